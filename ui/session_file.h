#pragma once
// Session files (*.hogwild), version 2: a small binary container (docs/UI.md, "Session files") of compressed
// sections: "session.json" — {"schema": "hogwild-session", "version": 2, "preset", "task", "model_path",
// "worker_names", "prompt", "context", "events": [event_to_json(...) without the statistics' "mass" and "drill"]} —
// "mass.u16" — every statistics event's mass in event order as 16-bit fixed point (v·65535, rounded), each event
// the difference to the previous one of the same shape, bytes split into planes — and "drill.f16" — the drill rows
// of the one event that keeps them, as IEEE half. A 170-pass 2-worker SmolLM2 run that took 17.5 MB as JSON takes
// a few hundred KB (test_files). Version-1 files (plain JSON with every number, *.hogwild.json) still open.
// Saving is atomic (QSaveFile). Loading treats the file as untrusted: any problem throws ConfigError with one
// line that names the file and the problem. Exports (Markdown, JSON transcript) are written the same way.
#include <QString>

#include "session_record.h"

namespace hogwild::ui {

inline constexpr int kSessionVersion = 2;

void save_session(const SessionRecord& r, const QString& path);
// Version 1 (plain JSON): what older builds wrote; kept for tests of the old-file path and for tools.
void save_session_v1(const SessionRecord& r, const QString& path);
SessionRecord load_session(const QString& path);

// Transcript exports: settings, preset, every worker's text, shared history, final answer, timings.
QString transcript_markdown(const SessionRecord& r);
QString transcript_json(const SessionRecord& r);

// Writes text atomically (QSaveFile); throws ConfigError naming the file on failure.
void write_text_file(const QString& path, const QByteArray& data);

}  // namespace hogwild::ui
