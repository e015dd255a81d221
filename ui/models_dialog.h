#pragma once
// File → Models…, two tabs:
//   Your models  the user's model folder (user_model_dir()) with size, family, format and quantization
//                (model_catalog.h reads them cheaply); add by file dialog or drag and drop (atomic copy on a worker
//                thread, progress bar), remove (confirmed), open the selected model, and "Download default model"
//                (ensure_default_model on a worker thread: sha256-verified download, or the shared fixtures offline).
//   Catalog      known-good models (known_models.h) with size, RAM, license, family, quantization and the preset
//                that suits them; Download (download_file on a worker thread: progress, resume, sha256, a clear
//                "no network" line) and Open.
#include <atomic>
#include <memory>
#include <vector>

#include <QDialog>
#include <QStringList>

#include "model_catalog.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QThread;

// Registers the resources of hogwild_ui (icons, license texts); idempotent. Called by MainWindow and AboutDialog.
void hogwild_ui_init_resources();

namespace hogwild::ui {

class ModelsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ModelsDialog(QWidget* parent = nullptr);
  ~ModelsDialog() override;  // cancels a copy in progress and waits for it (the .part is removed)

  QString folder() const { return folder_; }
  const std::vector<ModelEntry>& entries() const { return entries_; }
  QTableWidget* table() const { return table_; }
  QString statusText() const;
  bool copying() const { return copy_thread_ != nullptr; }
  bool downloading() const { return downloading_; }
  int rowOf(const QString& file_name) const;  // -1 when not listed
  // The catalog tab: one row per known_models() entry, in that order.
  QTableWidget* catalog() const { return catalog_; }
  QTabWidget* tabs() const { return tabs_; }
  QString catalogStatus(int row) const;  // "in your folder", "not downloaded", "downloading 12 %", ...

 public Q_SLOTS:
  void refresh();
  void addFiles(const QStringList& paths);  // queued copies into the folder, one after another
  bool removeRow(int row, bool confirm = true);  // confirm: ask first (modal question)
  void openRow(int row);                         // emits openModelRequested and closes the dialog
  void downloadDefaultModel();
  void refreshCatalog();
  void downloadCatalogRow(int row);  // on a worker thread; catalogDownloadFinished when done
  void openCatalogRow(int row);      // a downloaded catalog model: openModelRequested

 Q_SIGNALS:
  void openModelRequested(const QString& path);
  void copyFinished(const QString& destination, const QString& error);  // error empty on success
  void downloadFinished(bool ok, const QString& message);
  void catalogDownloadFinished(int row, bool ok, const QString& message);

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;

 private:
  void startNextCopy();
  void onCopyProgress(qint64 done, qint64 total);
  void onCopyDone(const QString& dest, const QString& error);
  void setStatus(const QString& text, const QString& tooltip = {});
  void updateButtons();
  void buildCatalogTab(QWidget* page);

  QString folder_;
  std::vector<ModelEntry> entries_;
  QTableWidget* table_ = nullptr;
  QLabel* status_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* add_ = nullptr;
  QPushButton* remove_ = nullptr;
  QPushButton* open_ = nullptr;
  QPushButton* download_ = nullptr;
  QStringList pending_;
  QThread* copy_thread_ = nullptr;
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  bool downloading_ = false;
  QTabWidget* tabs_ = nullptr;
  QTableWidget* catalog_ = nullptr;
  QPushButton* cat_download_ = nullptr;
  QPushButton* cat_open_ = nullptr;
  QLabel* cat_status_ = nullptr;
  QProgressBar* cat_progress_ = nullptr;
  int cat_downloading_ = -1;  // the catalog row being downloaded, -1: none
  int cat_percent_ = 0;
  // Set by the destructor: a catalog download stops (its .part is kept and resumed next time).
  std::shared_ptr<std::atomic<bool>> cat_cancel_ = std::make_shared<std::atomic<bool>>(false);
};

// Help → About Hogwild Studio: version, the backend line (what computes the loaded model's tokens; without a model,
// whether CUDA is available), and the licenses of
// the parts it uses: docs/THIRD_PARTY.md, the app's LICENSE and the default model's MIT license (embedded in the
// .qrc, so the installed app shows them without the source tree).
class AboutDialog : public QDialog {
  Q_OBJECT
 public:
  // backend: BackendSelection::describe() of the loaded model; empty: no model loaded.
  explicit AboutDialog(QWidget* parent = nullptr, const QString& backend = {});
  QString headerText() const;
  QString licensesText() const;  // the markdown shown

 private:
  QLabel* header_ = nullptr;
  QString licenses_;
};

}  // namespace hogwild::ui
