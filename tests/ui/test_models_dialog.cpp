// File → Models… and Help → About (issue #7). The dialog lists what is in a temporary HOGWILD_MODEL_DIR with the
// right family/format/quantization (a random-weight GGUF from write_random_llama_gguf, the stories260K llama2.c
// checkpoint and its tokenizer); corrupt files show "unknown" with the error as tooltip; add (file dialog path and
// drag and drop: atomic copies with no .part left), remove (with the confirmation answered), open (the window
// loads the model); "Download default model" ends with the download or the offline message; About shows the
// version, the backend line and the licenses.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "../engine/http_test_server.h"
#include "main_window.h"
#include "model/known_models.h"
#include "model/gguf_writer.h"
#include "model_catalog.h"
#include "models_dialog.h"
#include "ui_test_support.h"

using namespace hogwild;
using namespace hogwild::ui;

namespace {
ModelConfig tiny_config() {
  ModelConfig c;
  c.dim = 64;
  c.hidden_dim = 128;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 16;
  c.vocab_size = 300;
  c.context_length = 256;
  c.rope_dim = 16;
  return c;
}
void write_bytes(const QString& path, const QByteArray& b) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(b);
}
}  // namespace

class TestModelsDialog : public QObject {
  Q_OBJECT
  std::unique_ptr<QTemporaryDir> dir_;
  QString models_;

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
  void init() {
    dir_ = std::make_unique<QTemporaryDir>();
    models_ = dir_->filePath("models");
    QDir().mkpath(models_);
    qputenv("HOGWILD_MODEL_DIR", models_.toUtf8());  // user_model_dir() reads it at every call
  }

  void listsModelsWithFamilyAndQuantization() {
    write_random_llama_gguf((models_ + "/tiny-q8.gguf").toStdString(), tiny_config(), DType::Q8_0, 7);
    write_random_llama_gguf((models_ + "/tiny-f16.gguf").toStdString(), tiny_config(), DType::F16, 8);
    QVERIFY(QFile::copy(test::stories_model(), models_ + "/stories260K.bin"));
    QVERIFY(QFile::copy(test::fixture("stories260K/tok512.bin"), models_ + "/tok512.bin"));
    QVERIFY(QFile::copy(test::fixture("stories260K-gguf/stories260K.gguf"), models_ + "/stories260K.gguf"));
    QDir().mkpath(models_ + "/hf-model");
    write_bytes(models_ + "/hf-model/config.json", R"({"model_type": "qwen2", "torch_dtype": "bfloat16", "num_hidden_layers": 24})");
    write_bytes(models_ + "/half.gguf.part", "GGUF");  // a copy in progress is not listed

    ModelsDialog d;
    QCOMPARE(d.folder(), models_);
    QCOMPARE(static_cast<int>(d.entries().size()), 6);
    QCOMPARE(d.table()->rowCount(), 6);
    auto entry = [&](const QString& name) -> const ModelEntry& {
      const int r = d.rowOf(name);
      if (r < 0) qFatal("%s not listed", qPrintable(name));
      return d.entries()[static_cast<size_t>(r)];
    };
    const ModelEntry& q8 = entry("tiny-q8.gguf");
    QVERIFY2(q8.ok(), qPrintable(q8.error));
    QCOMPARE(q8.family, QString("llama"));
    QCOMPARE(q8.format, QString("GGUF v3"));
    QCOMPARE(q8.quantization, QString("Q8_0"));
    QVERIFY2(q8.details.contains("2 layers"), qPrintable(q8.details));
    QCOMPARE(q8.bytes, QFileInfo(models_ + "/tiny-q8.gguf").size());
    QCOMPARE(entry("tiny-f16.gguf").quantization, QString("F16"));
    const ModelEntry& l2c = entry("stories260K.bin");
    QCOMPARE(l2c.format, QString("llama2.c"));
    QCOMPARE(l2c.family, QString("llama"));
    QCOMPARE(l2c.quantization, QString("F32"));
    QVERIFY2(l2c.details.contains("5 layers"), qPrintable(l2c.details));
    QCOMPARE(entry("stories260K.gguf").family, QString("llama"));
    QCOMPARE(entry("tok512.bin").family, QString("tokenizer"));
    QCOMPARE(entry("hf-model").family, QString("qwen2"));
    QCOMPARE(entry("hf-model").quantization, QString("BF16"));
    // The table shows the same.
    const int r = d.rowOf("tiny-q8.gguf");
    QCOMPARE(d.table()->item(r, 0)->text(), QString("tiny-q8.gguf"));
    QCOMPARE(d.table()->item(r, 4)->text(), QString("Q8_0"));
  }

  void corruptFilesShowUnknown() {
    write_random_llama_gguf((models_ + "/good.gguf").toStdString(), tiny_config(), DType::F32, 1);
    QFile good(models_ + "/good.gguf");
    QVERIFY(good.open(QIODevice::ReadOnly));
    const QByteArray bytes = good.readAll();
    write_bytes(models_ + "/truncated.gguf", bytes.left(40));                    // header cut mid-metadata
    write_bytes(models_ + "/garbage.gguf", QByteArray("GGUF") + QByteArray(100, '\xff'));
    write_bytes(models_ + "/random.bin", QByteArray(5000, '\x7f'));              // not a llama2.c header
    write_bytes(models_ + "/empty.bin", {});
    ModelsDialog d;
    QCOMPARE(static_cast<int>(d.entries().size()), 5);
    for (const char* n : {"truncated.gguf", "garbage.gguf", "random.bin", "empty.bin"}) {
      const int r = d.rowOf(n);
      QVERIFY2(r >= 0, qPrintable(n));
      const ModelEntry& e = d.entries()[static_cast<size_t>(r)];
      QVERIFY2(!e.ok(), qPrintable(n));
      QCOMPARE(e.family, QString("unknown"));
      QCOMPARE(e.quantization, QString("unknown"));
      QVERIFY2(d.table()->item(r, 2)->toolTip().contains(e.error), qPrintable(d.table()->item(r, 2)->toolTip()));
    }
    QVERIFY(d.entries()[static_cast<size_t>(d.rowOf("good.gguf"))].ok());
    // Opening an unknown entry does nothing.
    QSignalSpy open(&d, &ModelsDialog::openModelRequested);
    d.openRow(d.rowOf("garbage.gguf"));
    QCOMPARE(open.count(), 0);
  }

  void addByPathAndDropThenRemove() {
    test::Watchdog dog(60);
    QTemporaryDir src;
    const QString a = src.filePath("added.gguf"), b = src.filePath("dropped.bin");
    write_random_llama_gguf(a.toStdString(), tiny_config(), DType::Q8_0, 3);
    QVERIFY(QFile::copy(test::stories_model(), b));
    ModelsDialog d;
    d.show();
    QCOMPARE(static_cast<int>(d.entries().size()), 0);
    QSignalSpy done(&d, &ModelsDialog::copyFinished);
    d.addFiles({a});
    QVERIFY(done.wait(20000));
    QCOMPARE(done.last().at(1).toString(), QString());
    QCOMPARE(done.last().at(0).toString(), models_ + "/added.gguf");
    QVERIFY(d.rowOf("added.gguf") >= 0);
    QCOMPARE(QFileInfo(models_ + "/added.gguf").size(), QFileInfo(a).size());
    // Drag and drop onto the dialog.
    auto* mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(b)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&d, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&d, &drop);
    QVERIFY(QTest::qWaitFor([&] { return done.count() == 2; }, 20000));
    delete mime;
    QCOMPARE(done.last().at(1).toString(), QString());
    QCOMPARE(d.entries()[static_cast<size_t>(d.rowOf("dropped.bin"))].format, QString("llama2.c"));
    // The same file again: a clear error, nothing overwritten.
    d.addFiles({a});
    QVERIFY(QTest::qWaitFor([&] { return done.count() == 3; }, 20000));
    QVERIFY2(done.last().at(1).toString().contains("already exists"), qPrintable(done.last().at(1).toString()));
    QVERIFY(d.statusText().contains("already exists"));
    QCOMPARE(QDir(models_).entryList(QDir::Files).filter(".part").size(), 0);
    // Remove: "No" keeps the file, "Yes" deletes it.
    auto answer = [](QMessageBox::StandardButton b) {
      QTimer::singleShot(50, [b] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (box) box->button(b)->click();
      });
    };
    answer(QMessageBox::No);
    QVERIFY(!d.removeRow(d.rowOf("added.gguf"), true));
    QVERIFY(QFileInfo::exists(models_ + "/added.gguf"));
    answer(QMessageBox::Yes);
    QVERIFY(d.removeRow(d.rowOf("added.gguf"), true));
    QVERIFY(!QFileInfo::exists(models_ + "/added.gguf"));
    QCOMPARE(d.rowOf("added.gguf"), -1);
    QVERIFY(d.removeRow(d.rowOf("dropped.bin"), false));
    QCOMPARE(static_cast<int>(d.entries().size()), 0);
  }

  void bigCopyShowsProgressAndCancelsOnClose() {
    test::Watchdog dog(60);
    QTemporaryDir src;
    const QString big = src.filePath("big.bin");
    {
      QFile f(big);
      QVERIFY(f.open(QIODevice::WriteOnly));
      QVERIFY(f.resize(48ll << 20));  // sparse 48 MiB: 12 chunks
    }
    {
      ModelsDialog d;
      QSignalSpy done(&d, &ModelsDialog::copyFinished);
      d.addFiles({big});
      QVERIFY(d.copying());
      QVERIFY(done.wait(30000));
      QCOMPARE(done.last().at(1).toString(), QString());
      QCOMPARE(QFileInfo(models_ + "/big.bin").size(), 48ll << 20);
      QVERIFY(d.removeRow(d.rowOf("big.bin"), false));
      d.addFiles({big});  // closing the dialog mid-copy cancels it and leaves no .part
    }
    QVERIFY(!QFileInfo::exists(models_ + "/big.bin.part"));
  }

  void openLoadsTheModelInTheWindow() {
    test::Watchdog dog(60);
    QVERIFY(QFile::copy(test::stories_model(), models_ + "/stories260K.bin"));
    QVERIFY(QFile::copy(test::fixture("stories260K/tok512.bin"), models_ + "/tok512.bin"));
    const MainWindow::Options o = test::test_window_options();
    MainWindow w(o);
    w.show();
    test::Recorder r(w.engine());
    // The menu entries exist.
    QStringList actions;
    for (QAction* m : w.menuBar()->actions())
      for (QAction* a : m->menu()->actions()) actions << a->text();
    QVERIFY2(actions.contains("&Models…") && actions.contains("&About Hogwild Studio"), qPrintable(actions.join(", ")));
    ModelsDialog* d = w.showModels();
    QVERIFY(d->isVisible());
    d->openRow(d->rowOf("stories260K.bin"));
    QVERIFY(r.waitState(RunState::Ready));
    QCOMPARE(w.model().path, models_ + "/stories260K.bin");
    QCOMPARE(w.model().layers, 5);
  }

  void downloadDefaultModelOrOfflineMessage() {
    test::Watchdog dog(120);
    ModelsDialog d;
    QSignalSpy fin(&d, &ModelsDialog::downloadFinished);
    d.downloadDefaultModel();
    QVERIFY(d.downloading());
    QVERIFY(fin.wait(100000));
    const QString msg = fin.last().at(1).toString();
    qInfo("download result: %s", qPrintable(msg));
    QVERIFY2(fin.last().at(0).toBool(), qPrintable(msg));
    if (msg.startsWith("no network")) {
      QVERIFY2(msg.contains("the shared fixtures are used"), qPrintable(msg));
    } else {
      QVERIFY2(msg.contains("Default model ready"), qPrintable(msg));
      QVERIFY(d.rowOf("stories260K.bin") >= 0);  // downloaded and sha256-verified into the folder
    }
    QVERIFY(!d.downloading());
  }

  // Issue #20: the catalog. Its downloads run through the one downloader; here from a local server standing in for
  // Hugging Face ($HOGWILD_HF_MIRROR) with the stories260K files: progress, verified files in the folder, Open;
  // no network says so; a missing file says HTTP 404.
  void catalogDownloadsFromAMirror() {
    test::Watchdog dog(120);
    hogwild::http_test::TestServer server;
    auto read = [](const QString& p) {
      QFile f(p);
      return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
    };
    const std::string rev = "/karpathy/tinyllamas/resolve/0bd21da7698eaf29a0d7de3992de8a46ef624add/stories260K/";
    server.add(rev + "stories260K.bin", read(test::stories_model()));
    server.add(rev + "tok512.bin", read(test::fixture("stories260K/tok512.bin")));
    qputenv("HOGWILD_HF_MIRROR", QByteArray::fromStdString(server.base()));
    ModelsDialog d;
    QCOMPARE(d.catalog()->rowCount(), static_cast<int>(known_models().size()));
    QCOMPARE(d.catalog()->item(0, 0)->text(), QString("stories260K"));
    QVERIFY(d.catalog()->item(5, 0)->text().contains("GPU"));  // QwQ-32B
    QCOMPARE(d.catalog()->item(1, 6)->text(), QString("smollm2-hogwild"));
    QCOMPARE(d.catalogStatus(0), QString("not downloaded"));
    QSignalSpy fin(&d, &ModelsDialog::catalogDownloadFinished);
    QSignalSpy open(&d, &ModelsDialog::openModelRequested);
    d.downloadCatalogRow(0);
    QVERIFY(fin.wait(60000));
    QVERIFY2(fin.last().at(1).toBool(), qPrintable(fin.last().at(2).toString()));
    QCOMPARE(d.catalogStatus(0), QString("in your folder"));
    QVERIFY(QFile::exists(models_ + "/stories260K.bin") && QFile::exists(models_ + "/tok512.bin"));
    QVERIFY(!QFile::exists(models_ + "/stories260K.bin.part"));
    QVERIFY(d.rowOf("stories260K.bin") >= 0);  // the folder tab lists it too
    d.openCatalogRow(0);
    QCOMPARE(open.count(), 1);
    QCOMPARE(open.last().at(0).toString(), models_ + "/stories260K.bin");
    // A file the mirror does not have: HTTP 404, said clearly.
    ModelsDialog e;
    e.downloadCatalogRow(1);
    QVERIFY(fin.count() == 1);
    QSignalSpy fin2(&e, &ModelsDialog::catalogDownloadFinished);
    QVERIFY(fin2.wait(60000));
    QVERIFY(!fin2.last().at(1).toBool());
    QVERIFY2(fin2.last().at(2).toString().contains("HTTP 404"), qPrintable(fin2.last().at(2).toString()));
    // No server at all: "No network".
    qputenv("HOGWILD_HF_MIRROR", "http://127.0.0.1:9");  // the discard port: nothing listens
    e.downloadCatalogRow(1);
    QVERIFY(fin2.wait(60000));
    QVERIFY2(fin2.last().at(2).toString().startsWith("No network"), qPrintable(fin2.last().at(2).toString()));
    qunsetenv("HOGWILD_HF_MIRROR");
  }

  void aboutShowsVersionBackendAndLicenses() {
    AboutDialog a;
    QVERIFY(a.headerText().contains(HOGWILD_VERSION));
    QVERIFY2(a.headerText().contains("CPU") || a.headerText().contains("CUDA"), qPrintable(a.headerText()));
    const QString l = a.licensesText();
    QVERIFY2(l.contains("Qt 6") && l.contains("LGPL-3.0") && l.contains("SentencePiece") && l.contains("OpenBLAS"), qPrintable(l.left(400)));
    QVERIFY(l.contains("Copyright (c) 2023 Andrej"));             // the default model's MIT license, in full
    QVERIFY(l.contains("The Hogwild Studio developers"));         // the app's own LICENSE
    QVERIFY(l.contains("Permission is hereby granted"));
    // Qt Charts (the lab's plots) makes the app GPL-3.0-or-later: said in the header, the full text below.
    QVERIFY2(a.headerText().contains("GPL-3.0-or-later"), qPrintable(a.headerText()));
    QVERIFY(l.contains("Qt 6 Charts") && l.contains("GNU GENERAL PUBLIC LICENSE") && l.contains("Version 3, 29 June 2007"));
  }
};

QTEST_MAIN(TestModelsDialog)
#include "test_models_dialog.moc"
