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
#include <QTableWidget>
#include <QTextBrowser>
#include <QThread>
#include <QVBoxLayout>

#include "cuda/cuda_backend.h"
#include "model/default_model.h"
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
  auto* lay = new QVBoxLayout(this);
  auto* where = new QLabel(tr("Model folder: <code>%1</code> — drop GGUF or llama2.c files (or Hugging Face folders) here to add them.").arg(folder_.toHtmlEscaped()), this);
  where->setTextInteractionFlags(Qt::TextSelectableByMouse);
  where->setWordWrap(true);
  lay->addWidget(where);
  table_ = new QTableWidget(0, kColumns, this);
  table_->setHorizontalHeaderLabels({tr("File"), tr("Size"), tr("Family"), tr("Format"), tr("Quantization"), tr("Details")});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  lay->addWidget(table_, 1);
  progress_ = new QProgressBar(this);
  progress_->hide();
  lay->addWidget(progress_);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  lay->addWidget(status_);

  auto* row = new QHBoxLayout;
  add_ = new QPushButton(tr("&Add…"), this);
  remove_ = new QPushButton(tr("&Remove…"), this);
  open_ = new QPushButton(tr("&Open"), this);
  download_ = new QPushButton(tr("&Download default model"), this);
  download_->setToolTip(tr("stories260K (MIT) from Hugging Face, sha256-verified; without network the project's shared fixtures are used"));
  auto* close = new QPushButton(tr("Close"), this);
  for (QPushButton* b : {add_, remove_, open_, download_}) row->addWidget(b);
  row->addStretch(1);
  row->addWidget(close);
  lay->addLayout(row);

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
  resize(900, 420);
  refresh();
}

ModelsDialog::~ModelsDialog() {
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
    auto post = [self](std::function<void(ModelsDialog*)> f) {
      const TsanHandoff handoff;  // the default channel: the dialog may be gone when this arrives
      QMetaObject::invokeMethod(qApp, [self, f] {
        tsanHandoffReceived();
        if (self) f(self.data());
      }, Qt::QueuedConnection);
    };
    bool ok = false;
    QString message, last_line;
    try {
      const ModelFiles f = ensure_default_model([&](const std::string& s) {
        const QString line = offline_message(QString::fromStdString(s));
        last_line = line;
        post([line](ModelsDialog* d) { d->setStatus(line); });
      });
      ok = true;
      if (f.origin == "shared fixtures") message = last_line;  // "no network: …; the shared fixtures are used (…)"
      else message = tr("Default model ready (%1): %2").arg(QString::fromStdString(f.origin), QString::fromStdString(f.model));
    } catch (const std::exception& e) {
      message = tr("Default model not available: %1").arg(QString::fromUtf8(e.what()));
    }
    post([ok, message](ModelsDialog* d) {
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

// ---------------------------------------------------------------- About

namespace {
QString resource_text(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}
}  // namespace

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
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
  const QString backend = QString::fromStdString(cuda::describe(cuda::probe_device()));
  header_->setText(tr("<h2>Hogwild Studio %1</h2>"
                      "<p>Hogwild! Inference on the desktop: several workers of one language model writing over one shared KV cache.</p>"
                      "<p><b>Backend:</b> %2<br><b>Qt:</b> %3 (run time %4)</p>")
                       .arg(QStringLiteral(HOGWILD_VERSION), backend.toHtmlEscaped(), QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion())));
  top->addWidget(header_, 1);
  lay->addLayout(top);
  licenses_ = resource_text(":/licenses/THIRD_PARTY.md") + "\n\n## Hogwild Studio (MIT)\n\n```\n" + resource_text(":/licenses/LICENSE") +
              "```\n\n## stories260K and tok512, the default model (MIT)\n\n```\n" + resource_text(":/licenses/stories260K-MIT.txt") + "```\n";
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
