#pragma once
// Session files (JSON, versioned): {"schema": "hogwild-session", "version": 1, "preset": {...}, "task": "...",
// "model_path": "...", "worker_names": [...], "prompt": "...", "events": [event_to_json(...), ...]}.
// Saving is atomic (QSaveFile). Loading treats the file as untrusted: any problem throws ConfigError with one
// line that names the file and the problem. Exports (Markdown, JSON transcript) are written the same way.
#include <QString>

#include "session_record.h"

namespace hogwild::ui {

inline constexpr int kSessionVersion = 1;

void save_session(const SessionRecord& r, const QString& path);
SessionRecord load_session(const QString& path);

// Transcript exports: settings, preset, every worker's text, shared history, final answer, timings.
QString transcript_markdown(const SessionRecord& r);
QString transcript_json(const SessionRecord& r);

// Writes text atomically (QSaveFile); throws ConfigError naming the file on failure.
void write_text_file(const QString& path, const QByteArray& data);

}  // namespace hogwild::ui
