#include "models_dialog.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBrowser>
#include <QThread>
#include <QVBoxLayout>

#include "cuda/plugin_loader.h"
#include "model/default_model.h"
#include "model/known_models.h"
#include "tsan_sync.h"

// The .qrc is compiled into the static hogwild_ui library: nothing references its initializer, so the linker
// would drop it (no icon, no license texts). Q_INIT_RESOURCE must be used outside any namespace.
void hogwild_ui_init_resources() {
  static const bool once = [] {
    Q_INIT_RESOURCE(hogwild_ui);
    return true;
  }();
  (void)once;
}

namespace hogwild::ui {

namespace {
enum Column { kFile, kSize, kFamily, kFormat, kQuant, kDetails, kColumns };

// A read-only table with whole-row selection (the folder and the catalog).
QTableWidget* make_table(const QStringList& headers, QWidget* parent) {
  auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
  t->setHorizontalHeaderLabels(headers);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->setSelectionMode(QAbstractItemView::SingleSelection);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->verticalHeader()->hide();
  t->horizontalHeader()->setStretchLastSection(true);
  return t;
}

// A hidden progress bar and a selectable, wrapping status line under a table.
void add_progress_and_status(QVBoxLayout* lay, QWidget* parent, QProgressBar*& progress, QLabel*& status) {
  progress = new QProgressBar(parent);
  progress->setRange(0, 1000);
  progress->hide();
  lay->addWidget(progress);
  status = new QLabel(parent);
  status->setWordWrap(true);
  status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  lay->addWidget(status);
}

// ensure_default_model says "no network (<why>): using the shared fixtures in <dir>"; the dialog words it as
// "no network: <why>; the shared fixtures are used (<dir>)".
QString offline_message(const QString& engine_line) {
  static const QRegularExpression re("^no network \\((.*)\\): using the shared fixtures in (.*)$");
  const auto m = re.match(engine_line);
  if (!m.hasMatch()) return engine_line;
  return QObject::tr("no network: %1; the shared fixtures are used (%2)").arg(m.captured(1), m.captured(2));
}
}  // namespace

ModelsDialog::ModelsDialog(QWidget* parent) : QDialog(parent), folder_(QString::fromStdString(user_model_dir())) {
  setWindowTitle(tr("Models"));
  setAcceptDrops(true);
  auto* outer = new QVBoxLayout(this);
  tabs_ = new QTabWidget(this);
  auto* page = new QWidget(tabs_);
  auto* lay = new QVBoxLayout(page);
  auto* where = new QLabel(tr("Model folder: <code>%1</code> — drop GGUF or llama2.c files (or Hugging Face folders) here to add them.").arg(folder_.toHtmlEscaped()), this);
  where->setTextInteractionFlags(Qt::TextSelectableByMouse);
  where->setWordWrap(true);
  lay->addWidget(where);
  table_ = make_table({tr("File"), tr("Size"), tr("Family"), tr("Format"), tr("Quantization"), tr("Details")}, this);
  lay->addWidget(table_, 1);
  add_progress_and_status(lay, this, progress_, status_);

  auto* row = new QHBoxLayout;
  add_ = new QPushButton(tr("&Add…"), this);
  remove_ = new QPushButton(tr("&Remove…"), this);
  open_ = new QPushButton(tr("&Open"), this);
  download_ = new QPushButton(tr("&Download default model"), this);
  download_->setToolTip(tr("stories260K (MIT) from Hugging Face, sha256-verified; without network the project's shared fixtures are used"));
  auto* close = new QPushButton(tr("Close"), this);
  for (QPushButton* b : {add_, remove_, open_, download_}) row->addWidget(b);
  row->addStretch(1);
  lay->addLayout(row);
  tabs_->addTab(page, tr("Your models"));
  auto* cat = new QWidget(tabs_);
  buildCatalogTab(cat);
  tabs_->addTab(cat, tr("Catalog"));
  outer->addWidget(tabs_, 1);
  auto* bottom = new QHBoxLayout;
  bottom->addStretch(1);
  bottom->addWidget(close);
  outer->addLayout(bottom);

  connect(add_, &QPushButton::clicked, this, [this] {
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Add models"), {}, tr("Models (*.gguf *.bin);;All files (*)"));
    if (!files.isEmpty()) addFiles(files);
  });
  connect(remove_, &QPushButton::clicked, this, [this] { removeRow(table_->currentRow(), true); });
  connect(open_, &QPushButton::clicked, this, [this] { openRow(table_->currentRow()); });
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int r, int) { openRow(r); });
  connect(table_, &QTableWidget::itemSelectionChanged, this, &ModelsDialog::updateButtons);
  connect(download_, &QPushButton::clicked, this, &ModelsDialog::downloadDefaultModel);
  connect(close, &QPushButton::clicked, this, &QDialog::reject);
  resize(1000, 460);
  refresh();
  refreshCatalog();
}

ModelsDialog::~ModelsDialog() {
  cat_cancel_->store(true);  // a catalog download stops; its .part stays for a resume
  cancel_->store(true);
  pending_.clear();
  if (copy_thread_) {
    copy_thread_->wait();  // stops at the next chunk; the .part is removed
    tsanJoined(this);
  }
  delete copy_thread_;
}

QString ModelsDialog::statusText() const { return status_->text(); }

int ModelsDialog::rowOf(const QString& file_name) const {
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].file_name == file_name) return static_cast<int>(i);
  return -1;
}

void ModelsDialog::setStatus(const QString& text, const QString& tooltip) {
  status_->setText(text);
  status_->setToolTip(tooltip);
}

void ModelsDialog::refresh() {
  const QString selected = table_->currentRow() >= 0 && table_->currentRow() < static_cast<int>(entries_.size())
                               ? entries_[static_cast<size_t>(table_->currentRow())].file_name
                               : QString();
  entries_ = scan_model_dir(folder_);
  table_->setRowCount(static_cast<int>(entries_.size()));
  for (int r = 0; r < static_cast<int>(entries_.size()); ++r) {
    const ModelEntry& e = entries_[static_cast<size_t>(r)];
    const QString tip = e.ok() ? e.path : tr("%1\ncannot be read: %2").arg(e.path, e.error);
    const QString cells[kColumns] = {e.file_name, human_size(e.bytes), e.family, e.format, e.quantization, e.details};
    for (int c = 0; c < kColumns; ++c) {
      auto* it = new QTableWidgetItem(cells[c]);
      it->setToolTip(tip);
      if (c == kSize) it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (!e.ok()) it->setForeground(QColor(170, 40, 40));
      table_->setItem(r, c, it);
    }
  }
  table_->resizeColumnsToContents();
  if (const int r = rowOf(selected); r >= 0) table_->selectRow(r);
  if (entries_.empty() && status_->text().isEmpty()) setStatus(tr("No models in the folder yet: add one, or download the default model."));
  updateButtons();
}

void ModelsDialog::updateButtons() {
  const int r = table_->currentRow();
  const bool has = r >= 0 && r < static_cast<int>(entries_.size());
  remove_->setEnabled(has && !copying());
  open_->setEnabled(has && entries_[static_cast<size_t>(r)].isModel());
  download_->setEnabled(!downloading_);
}

bool ModelsDialog::removeRow(int row, bool confirm) {
  if (row < 0 || row >= static_cast<int>(entries_.size())) return false;
  const ModelEntry e = entries_[static_cast<size_t>(row)];
  if (confirm && QMessageBox::question(this, tr("Remove model"),
                                       tr("Delete %1 (%2) from the model folder?\n%3").arg(e.file_name, human_size(e.bytes), e.path),
                                       QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes)
    return false;
  try {
    remove_model(e.path);
    setStatus(tr("Removed %1.").arg(e.file_name));
  } catch (const std::exception& ex) {
    setStatus(tr("Not removed: %1").arg(QString::fromUtf8(ex.what())));
    refresh();
    return false;
  }
  refresh();
  return true;
}

void ModelsDialog::openRow(int row) {
  if (row < 0 || row >= static_cast<int>(entries_.size()) || !entries_[static_cast<size_t>(row)].isModel()) return;
  Q_EMIT openModelRequested(entries_[static_cast<size_t>(row)].path);
  accept();
}

// ---------------------------------------------------------------- adding (atomic copies on a worker thread)

void ModelsDialog::addFiles(const QStringList& paths) {
  pending_ << paths;
  if (!copy_thread_) startNextCopy();
}

void ModelsDialog::startNextCopy() {
  if (pending_.isEmpty()) {
    progress_->hide();
    updateButtons();
    return;
  }
  const QString src = pending_.takeFirst();
  setStatus(tr("Copying %1 …").arg(QFileInfo(src).fileName()));
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_->show();
  const QString dir = folder_;
  auto cancel = cancel_;
  // The dialog waits for this thread in its destructor, so `this` outlives it; results come back queued.
  // ThreadSanitizer (tsan_sync.h): the hand-offs use the static default channel (the receiving lambda must acquire
  // before it reads even its captured `this`), the join uses the dialog.
  copy_thread_ = QThread::create([this, src, dir, cancel] {
    QString dest, error;
    try {
      dest = copy_into_model_dir(src, dir, [this](qint64 done, qint64 total) {
        const TsanHandoff handoff;
        QMetaObject::invokeMethod(this, [this, done, total] {
          tsanHandoffReceived();
          onCopyProgress(done, total);
        }, Qt::QueuedConnection);
      }, cancel.get());
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
    const TsanHandoff handoff;
    QMetaObject::invokeMethod(this, [this, dest, error] {
      tsanHandoffReceived();
      onCopyDone(dest, error);
    }, Qt::QueuedConnection);
  });
  copy_thread_->setObjectName("hogwild-model-copy");
  updateButtons();
  tsanJoinable(*copy_thread_, this);
  copy_thread_->start();
}

void ModelsDialog::onCopyProgress(qint64 done, qint64 total) {
  progress_->setValue(total > 0 ? static_cast<int>(1000 * done / total) : 1000);
  progress_->setFormat(tr("%1 of %2").arg(human_size(done), human_size(total)));
}

void ModelsDialog::onCopyDone(const QString& dest, const QString& error) {
  if (copy_thread_) {
    copy_thread_->wait();
    tsanJoined(this);
    delete copy_thread_;
    copy_thread_ = nullptr;
  }
  if (error.isEmpty()) setStatus(tr("Added %1.").arg(QFileInfo(dest).fileName()), dest);
  else setStatus(tr("Not added: %1").arg(error));
  refresh();
  if (error.isEmpty()) {
    if (const int r = rowOf(QFileInfo(dest).fileName()); r >= 0) table_->selectRow(r);
  }
  Q_EMIT copyFinished(dest, error);
  startNextCopy();
}

void ModelsDialog::dragEnterEvent(QDragEnterEvent* e) {
  for (const QUrl& u : e->mimeData()->urls())
    if (u.isLocalFile()) {
      e->acceptProposedAction();
      return;
    }
}

void ModelsDialog::dropEvent(QDropEvent* e) {
  QStringList files;
  for (const QUrl& u : e->mimeData()->urls())
    if (u.isLocalFile()) files << u.toLocalFile();
  if (files.isEmpty()) return;
  e->acceptProposedAction();
  addFiles(files);
}

// ---------------------------------------------------------------- the default model

namespace {
// A download thread's result or progress, run on the GUI thread if the dialog still exists. f is moved, not copied,
// into the queued call: a copy left behind would share the captured strings' data with the GUI thread's copy and
// die on the download thread after the handoff (a TSan report). The default channel: the dialog may be gone when
// this arrives.
void post_to_dialog(const QPointer<ModelsDialog>& self, std::function<void(ModelsDialog*)> f) {
  const TsanHandoff handoff;
  QMetaObject::invokeMethod(qApp, [self, f = std::move(f)] {
    tsanHandoffReceived();
    if (self) f(self.data());
  }, Qt::QueuedConnection);
}
}  // namespace

void ModelsDialog::downloadDefaultModel() {
  if (downloading_) return;
  downloading_ = true;
  updateButtons();
  progress_->setRange(0, 0);  // busy: curl reports no byte counts
  progress_->show();
  setStatus(tr("Looking for the default model (stories260K) …"));
  // Not waited for by the destructor (a download may take minutes): results go through qApp and a QPointer that
  // is only read on the GUI thread, so a closed dialog simply drops them.
  QPointer<ModelsDialog> self(this);
  QThread* t = QThread::create([self] {
    auto post = [self](std::function<void(ModelsDialog*)> f) { post_to_dialog(self, std::move(f)); };
    bool ok = false;
    QString message, last_line;
    try {
      const ModelFiles f = ensure_default_model([&](const std::string& s) {
        const QString line = offline_message(QString::fromStdString(s));
        last_line = line;
        post([line = unshared(line)](ModelsDialog* d) { d->setStatus(line); });
      });
      ok = true;
      if (f.origin == "shared fixtures") message = last_line;  // "no network: …; the shared fixtures are used (…)"
      else message = tr("Default model ready (%1): %2").arg(QString::fromStdString(f.origin), QString::fromStdString(f.model));
    } catch (const std::exception& e) {
      message = tr("Default model not available: %1").arg(QString::fromUtf8(e.what()));
    }
    post([ok, message = unshared(message)](ModelsDialog* d) {
      d->downloading_ = false;
      d->progress_->setRange(0, 1000);
      d->progress_->hide();
      d->setStatus(message);
      d->refresh();
      Q_EMIT d->downloadFinished(ok, message);
    });
  });
  t->setObjectName("hogwild-default-model");
  connect(t, &QThread::finished, t, &QObject::deleteLater);
  t->start();
}

// ---------------------------------------------------------------- the catalog

namespace {
enum CatColumn { kCatModel, kCatSize, kCatRam, kCatLicense, kCatFamily, kCatQuant, kCatPreset, kCatStatus, kCatColumns };

QString gb(int64_t bytes) { return bytes <= 0 ? QObject::tr("unknown") : human_size(bytes); }
}  // namespace

void ModelsDialog::buildCatalogTab(QWidget* page) {
  auto* lay = new QVBoxLayout(page);
  auto* intro = new QLabel(tr("Known-good models for Hogwild! demos. Each file comes from Hugging Face at a pinned revision and is "
                              "checked against its published sha256 (where none was published, the hash is computed on the "
                              "first download and shown). Downloads resume after an interruption."), page);
  intro->setWordWrap(true);
  lay->addWidget(intro);
  catalog_ = make_table({tr("Model"), tr("Download"), tr("RAM"), tr("License"), tr("Family"), tr("Quantization"), tr("Preset"),
                         tr("Status")}, page);
  lay->addWidget(catalog_, 1);
  add_progress_and_status(lay, page, cat_progress_, cat_status_);
  auto* row = new QHBoxLayout;
  cat_download_ = new QPushButton(tr("Do&wnload"), page);
  cat_open_ = new QPushButton(tr("O&pen"), page);
  row->addWidget(cat_download_);
  row->addWidget(cat_open_);
  row->addStretch(1);
  lay->addLayout(row);
  connect(cat_download_, &QPushButton::clicked, this, [this] { downloadCatalogRow(catalog_->currentRow()); });
  connect(cat_open_, &QPushButton::clicked, this, [this] { openCatalogRow(catalog_->currentRow()); });
  connect(catalog_, &QTableWidget::cellDoubleClicked, this, [this](int r, int) {
    if (known_model_present(known_models()[static_cast<size_t>(r)], folder_.toStdString())) openCatalogRow(r);
    else downloadCatalogRow(r);
  });
  connect(catalog_, &QTableWidget::itemSelectionChanged, this, &ModelsDialog::refreshCatalog);
}

QString ModelsDialog::catalogStatus(int row) const {
  const auto& models = known_models();
  if (row < 0 || row >= static_cast<int>(models.size())) return {};
  const KnownModel& m = models[static_cast<size_t>(row)];
  if (row == cat_downloading_) return tr("downloading %1 %").arg(cat_percent_);
  if (known_model_present(m, folder_.toStdString())) return tr("in your folder");
  return m.gpu ? tr("not downloaded · GPU") : tr("not downloaded");
}

void ModelsDialog::refreshCatalog() {
  const auto& models = known_models();
  const int selected = catalog_->currentRow();
  const QSignalBlocker block(catalog_);
  catalog_->setRowCount(static_cast<int>(models.size()));
  for (int r = 0; r < static_cast<int>(models.size()); ++r) {
    const KnownModel& m = models[static_cast<size_t>(r)];
    QString tip = QString::fromStdString(m.note);
    for (const KnownFile& f : m.files)
      tip += tr("\n%1\n  %2\n  sha256 %3").arg(QString::fromStdString(f.name), QString::fromStdString(known_file_url(f)),
                                             f.sha256.empty() ? tr("not published: checked on first download") : QString::fromStdString(f.sha256));
    const QString cells[kCatColumns] = {QString::fromStdString(m.title) + (m.gpu ? tr(" (GPU)") : QString()),
                                        gb(m.bytes()), tr("about %1").arg(human_size(m.ram_bytes)),
                                        QString::fromStdString(m.license), QString::fromStdString(m.family),
                                        QString::fromStdString(m.quantization), QString::fromStdString(m.preset), catalogStatus(r)};
    for (int c = 0; c < kCatColumns; ++c) {
      auto* it = new QTableWidgetItem(cells[c]);
      it->setToolTip(tip);
      if (c == kCatSize || c == kCatRam) it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (c == kCatModel && m.gpu) it->setForeground(QColor(120, 60, 150));
      catalog_->setItem(r, c, it);
    }
  }
  catalog_->resizeColumnsToContents();
  if (selected >= 0) catalog_->selectRow(selected);
  const int r = catalog_->currentRow();
  const bool has = r >= 0 && r < static_cast<int>(models.size());
  const bool present = has && known_model_present(models[static_cast<size_t>(r)], folder_.toStdString());
  cat_download_->setEnabled(has && !present && cat_downloading_ < 0);
  cat_open_->setEnabled(present);
}

void ModelsDialog::openCatalogRow(int row) {
  const auto& models = known_models();
  if (row < 0 || row >= static_cast<int>(models.size())) return;
  const KnownModel& m = models[static_cast<size_t>(row)];
  if (!known_model_present(m, folder_.toStdString())) return;
  Q_EMIT openModelRequested(QString::fromStdString(known_model_files(m, folder_.toStdString()).model));
  accept();
}

void ModelsDialog::downloadCatalogRow(int row) {
  const auto& models = known_models();
  if (row < 0 || row >= static_cast<int>(models.size()) || cat_downloading_ >= 0) return;
  const KnownModel m = models[static_cast<size_t>(row)];
  cat_downloading_ = row;
  cat_percent_ = 0;
  cat_progress_->setValue(0);
  cat_progress_->show();
  cat_status_->setText(tr("Downloading %1 (%2) …").arg(QString::fromStdString(m.title), gb(m.bytes())));
  refreshCatalog();
  // Not waited for by the destructor (a download may take long): the destructor sets cat_cancel_, which stops
  // curl; results go through qApp and a QPointer read only on the GUI thread, so a closed dialog drops them.
  QPointer<ModelsDialog> self(this);
  const std::string dir = folder_.toStdString();
  auto cancel = cat_cancel_;
  QThread* t = QThread::create([self, m, dir, cancel, row] {
    auto post = [self](std::function<void(ModelsDialog*)> f) { post_to_dialog(self, std::move(f)); };
    bool ok = false;
    QString message;
    int last_permille = -1;
    try {
      download_known_model(m, dir, [&](int64_t done, int64_t total) {
        const int permille = total > 0 ? static_cast<int>(1000 * std::min(done, total) / total) : 0;
        if (permille == last_permille) return;
        last_permille = permille;
        post([permille, done](ModelsDialog* d) {
          d->cat_percent_ = permille / 10;
          d->cat_progress_->setValue(permille);
          d->cat_progress_->setFormat(tr("%1 · %p%").arg(human_size(done)));
          if (d->catalog_->item(d->cat_downloading_, kCatStatus))
            d->catalog_->item(d->cat_downloading_, kCatStatus)->setText(d->catalogStatus(d->cat_downloading_));
        });
      }, cancel.get());
      ok = true;
      message = tr("%1 downloaded and verified.").arg(QString::fromStdString(m.title));
      if (!m.pinned()) message += tr(" No sha256 was published for it: check the hashes in the log against the model page.");
    } catch (const DownloadError& e) {
      message = e.kind() == DownloadError::Kind::Offline ? tr("No network — %1").arg(QString::fromUtf8(e.what()))
                                                          : QString::fromUtf8(e.what());
    } catch (const std::exception& e) {
      message = QString::fromUtf8(e.what());
    }
    post([ok, message = unshared(message), row](ModelsDialog* d) {
      d->cat_downloading_ = -1;
      d->cat_progress_->hide();
      d->cat_status_->setText(message);
      d->refreshCatalog();
      d->refresh();
      Q_EMIT d->catalogDownloadFinished(row, ok, message);
    });
  });
  t->setObjectName("hogwild-catalog-download");
  connect(t, &QThread::finished, t, &QObject::deleteLater);
  t->start();
}

// ---------------------------------------------------------------- About

namespace {
QString resource_text(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}
}  // namespace

AboutDialog::AboutDialog(QWidget* parent, const QString& backend_line) : QDialog(parent) {
  hogwild_ui_init_resources();
  setWindowTitle(tr("About Hogwild Studio"));
  auto* lay = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  auto* icon = new QLabel(this);
  icon->setPixmap(QPixmap(":/icons/hogwild-studio.png").scaled(64, 64, Qt::KeepAspectRatio, Qt::SmoothTransformation));
  top->addWidget(icon, 0, Qt::AlignTop);
  header_ = new QLabel(this);
  header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  header_->setWordWrap(true);
  const QString backend = !backend_line.isEmpty() ? backend_line
                                                  : tr("no model loaded · %1").arg(QString::fromStdString(cuda::describe_availability(cuda::probe_device())));
  header_->setText(tr("<h2>Hogwild Studio %1</h2>"
                      "<p>Hogwild! Inference on the desktop: several workers of one language model writing over one shared KV cache.</p>"
                      "<p><b>Backend:</b> %2<br><b>Qt:</b> %3 (run time %4)</p>"
                      "<p><b>License:</b> this program links Qt Charts (GPL-3.0) and is distributed under the "
                      "GPL-3.0-or-later; its source code, the engine library and hogwild-cli are MIT.</p>")
                       .arg(QStringLiteral(HOGWILD_VERSION), backend.toHtmlEscaped(), QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion())));
  top->addWidget(header_, 1);
  lay->addLayout(top);
  licenses_ = resource_text(":/licenses/THIRD_PARTY.md") + "\n\n## Hogwild Studio (MIT)\n\n```\n" + resource_text(":/licenses/LICENSE") +
              "```\n\n## stories260K and tok512, the default model (MIT)\n\n```\n" + resource_text(":/licenses/stories260K-MIT.txt") +
              "```\n\n## Hogwild Studio and hogwild-lab as distributed (GPL-3.0-or-later, because they link Qt Charts)\n\n```\n" +
              resource_text(":/licenses/LICENSE.GPL-3.0") + "```\n";
  auto* text = new QTextBrowser(this);
  text->setOpenExternalLinks(true);
  text->setMarkdown(licenses_);
  lay->addWidget(text, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  lay->addWidget(buttons);
  resize(760, 620);
}

QString AboutDialog::headerText() const { return header_->text(); }
QString AboutDialog::licensesText() const { return licenses_; }

}  // namespace hogwild::ui
