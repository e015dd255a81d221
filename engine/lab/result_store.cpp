#include "lab/result_store.h"

#include <chrono>
#include <ctime>
#include <map>

#include "common/error.h"
#include "lab/event_log.h"
#include "lab/sqlite_db.h"

namespace hogwild::lab {

using nlohmann::json;

namespace {

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE experiments(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, base_dir TEXT NOT NULL, model TEXT NOT NULL,
  backend TEXT NOT NULL, executor TEXT NOT NULL, checkpoints TEXT NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE arms(
  id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(id), position INTEGER NOT NULL,
  name TEXT NOT NULL, kind TEXT NOT NULL, workers INTEGER NOT NULL, layout TEXT NOT NULL, settings TEXT NOT NULL,
  preset TEXT NOT NULL, UNIQUE(experiment_id, name));
CREATE TABLE problems(
  id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(id), position INTEGER NOT NULL,
  problem_set TEXT NOT NULL, problem_key TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
  check_spec TEXT NOT NULL, tags TEXT NOT NULL, UNIQUE(experiment_id, problem_set, problem_key));
CREATE TABLE runs(
  id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  arm_id INTEGER NOT NULL REFERENCES arms(id), problem_id INTEGER NOT NULL REFERENCES problems(id),
  seed INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, finish_reason TEXT, final_answer TEXT, correct INTEGER,
  passes INTEGER, tokens INTEGER, wall_seconds REAL, engine_seconds REAL, tokens_per_second REAL,
  first_correct_passes INTEGER, first_correct_tokens INTEGER, redundancy REAL, redundancy_ngrams REAL,
  collab_yes INTEGER, collab_no INTEGER, collab_other INTEGER, attention_on_others REAL, task TEXT, prompt TEXT,
  worker_names TEXT, finished_at TEXT NOT NULL, UNIQUE(arm_id, problem_id, seed));
CREATE TABLE checkpoints(
  run_id INTEGER NOT NULL REFERENCES runs(id), budget INTEGER NOT NULL, passes INTEGER NOT NULL,
  tokens INTEGER NOT NULL, seconds REAL NOT NULL, answer TEXT NOT NULL, finisher_ran INTEGER NOT NULL,
  finisher_output TEXT NOT NULL, correct INTEGER NOT NULL, PRIMARY KEY(run_id, budget));
CREATE TABLE metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id), worker INTEGER NOT NULL, name TEXT NOT NULL, value REAL,
  PRIMARY KEY(run_id, worker, name));
CREATE TABLE event_logs(
  run_id INTEGER PRIMARY KEY REFERENCES runs(id), encoding TEXT NOT NULL, raw_size INTEGER NOT NULL,
  data BLOB NOT NULL);
)sql";

std::string now_utc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json parse_json(const std::string& text, const std::string& what, const std::string& path) {
  try {
    return json::parse(text);
  } catch (const json::parse_error&) {
    throw Error(path + ": the results database holds invalid JSON in " + what);
  }
}

}  // namespace

ResultStore::ResultStore(const std::filesystem::path& path, bool create) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  if (!create && !existed) throw ConfigError(path.string() + ": no such results database");
  db_ = std::make_unique<SqliteDb>(path.string(), create);
  db_->exec("PRAGMA foreign_keys = ON");
  // A file that is not SQLite fails here with "file is not a database".
  auto count = [&](const char* sql) {
    SqliteStmt s(*db_, sql);
    s.step();
    return s.integer(0);  // the statement ends here, so no read transaction stays open
  };
  if (count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") == 0) {
    if (count("SELECT count(*) FROM sqlite_master") != 0 || !create)
      throw ConfigError(path.string() + ": not a hogwild-lab results database");
    db_->exec("PRAGMA journal_mode = WAL");
    SqliteTransaction t(*db_);
    db_->exec(kSchemaSql);
    SqliteStmt meta(*db_, "INSERT INTO meta(key, value) VALUES (?, ?)");
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"schema", std::string(kResultsSchema)}, {"schema_version", std::to_string(kResultsSchemaVersion)},
             {"created_by", std::string("hogwild-lab ") + HOGWILD_VERSION}}) {
      meta.bind(1, k).bind(2, v).run();
      meta.reset();
    }
    t.commit();
    return;
  }
  SqliteStmt v(*db_, "SELECT value FROM meta WHERE key = ?");
  v.bind(1, "schema");
  if (!v.step() || v.text(0) != kResultsSchema) throw ConfigError(path.string() + ": not a hogwild-lab results database");
  v.reset();
  v.bind(1, "schema_version");
  const std::string version = v.step() ? v.text(0) : "";
  if (version != std::to_string(kResultsSchemaVersion))
    throw ConfigError(path.string() + ": results schema version " + version + ", but this build reads version " +
                      std::to_string(kResultsSchemaVersion) + " only");
}

ResultStore::~ResultStore() = default;

const std::string& ResultStore::path() const { return db_->path(); }

bool ResultStore::has_experiment() {
  SqliteStmt s(*db_, "SELECT count(*) FROM experiments");
  s.step();
  return s.integer(0) > 0;
}

void ResultStore::prepare_experiment(const Experiment& e, const std::string& model, const std::string& executor) {
  Experiment resolved = e;
  resolved.model = model;
  const std::string spec = experiment_to_json(resolved).dump();
  const std::string checkpoints = json(e.checkpoints).dump();
  if (!has_experiment()) {
    SqliteStmt s(*db_, "INSERT INTO experiments(id, name, spec, base_dir, model, backend, executor, checkpoints, created_at, updated_at) "
                       "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const std::string now = now_utc();
    s.bind(1, e.name).bind(2, spec).bind(3, e.base_dir.string()).bind(4, model).bind(5, e.backend).bind(6, executor)
        .bind(7, checkpoints).bind(8, now).bind(9, now).run();
    return;
  }
  const StoredExperiment old = experiment();
  if (old.checkpoints != e.checkpoints)
    throw ConfigError(path() + ": the stored experiment has checkpoints " + json(old.checkpoints).dump() + ", this one " +
                      checkpoints + "; resume with the same checkpoints or use another database");
  if (old.model != model)
    throw ConfigError(path() + ": the stored experiment ran model " + old.model + ", this one " + model +
                      "; resume with the same model or use another database");
  SqliteStmt s(*db_, "UPDATE experiments SET spec = ?, name = ?, updated_at = ? WHERE id = 1");
  s.bind(1, spec).bind(2, e.name).bind(3, now_utc()).run();
}

void ResultStore::record_backend(const std::string& described) {
  SqliteStmt s(*db_, "UPDATE experiments SET backend = ?, updated_at = ? WHERE id = 1");
  s.bind(1, described).bind(2, now_utc()).run();
}

int64_t ResultStore::ensure_arm(const Arm& arm, int position) {
  const std::string settings = arm.settings.dump(), preset = preset_to_json(arm.preset).dump();
  SqliteStmt find(*db_, "SELECT id, settings, preset FROM arms WHERE experiment_id = 1 AND name = ?");
  find.bind(1, arm.name);
  if (find.step()) {
    if (find.text(1) != settings || find.text(2) != preset)
      throw ConfigError(path() + ": arm \"" + arm.name + "\" is stored with other settings; rename the arm or use another database");
    return find.integer(0);
  }
  SqliteStmt s(*db_, "INSERT INTO arms(experiment_id, position, name, kind, workers, layout, settings, preset) VALUES (1, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, position).bind(2, arm.name).bind(3, to_string(arm.kind)).bind(4, arm.workers)
      .bind(5, to_string(arm.preset.layout)).bind(6, settings).bind(7, preset).run();
  return db_->last_insert_id();
}

int64_t ResultStore::ensure_problem(const std::string& set, const Problem& p, int position) {
  const auto check = problem_to_json(p)["check"];
  SqliteStmt find(*db_, "SELECT id, question, answer, check_spec FROM problems WHERE experiment_id = 1 AND problem_set = ? AND problem_key = ?");
  find.bind(1, set).bind(2, p.id);
  if (find.step()) {
    if (find.text(1) != p.question || find.text(2) != p.answer || find.text(3) != check.dump())
      throw ConfigError(path() + ": problem \"" + p.id + "\" of set \"" + set + "\" is stored with another question or answer; use another database");
    return find.integer(0);
  }
  SqliteStmt s(*db_, "INSERT INTO problems(experiment_id, position, problem_set, problem_key, question, answer, check_spec, tags) VALUES (1, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, position).bind(2, set).bind(3, p.id).bind(4, p.question).bind(5, p.answer).bind(6, check.dump()).bind(7, json(p.tags).dump()).run();
  return db_->last_insert_id();
}

std::set<std::tuple<int64_t, int64_t, uint64_t>> ResultStore::stored_run_keys() {
  std::set<std::tuple<int64_t, int64_t, uint64_t>> out;
  SqliteStmt s(*db_, "SELECT arm_id, problem_id, seed FROM runs");
  while (s.step()) out.emplace(s.integer(0), s.integer(1), static_cast<uint64_t>(s.integer(2)));
  return out;
}

int64_t ResultStore::save_run(int64_t arm_id, int64_t problem_id, const RunTask& task, const RunResult& r) {
  SqliteTransaction t(*db_);
  json names = json::array();
  for (const WorkerResult& w : r.workers) names.push_back(w.name);
  SqliteStmt s(*db_, R"sql(INSERT INTO runs(experiment_id, arm_id, problem_id, seed, status, finish_reason, final_answer,
    correct, passes, tokens, wall_seconds, engine_seconds, tokens_per_second, first_correct_passes, first_correct_tokens,
    redundancy, redundancy_ngrams, collab_yes, collab_no, collab_other, attention_on_others, task, prompt, worker_names,
    finished_at) VALUES (1, ?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
  s.bind(1, arm_id).bind(2, problem_id).bind(3, static_cast<int64_t>(task.seed)).bind(4, r.finish_reason).bind(5, r.final_answer)
      .bind(6, r.correct ? 1 : 0).bind(7, r.passes).bind(8, r.tokens).bind(9, r.wall_seconds).bind(10, r.engine_seconds)
      .bind(11, r.tokens_per_second).bind(12, r.first_correct_passes).bind(13, r.first_correct_tokens).bind(14, r.redundancy)
      .bind(15, r.redundancy_ngrams).bind(16, r.collab_yes).bind(17, r.collab_no).bind(18, r.collab_other)
      .bind(19, r.attention_on_others).bind(20, task.task).bind(21, r.prompt).bind(22, names.dump()).bind(23, now_utc()).run();
  const int64_t run_id = db_->last_insert_id();
  SqliteStmt c(*db_, "INSERT INTO checkpoints(run_id, budget, passes, tokens, seconds, answer, finisher_ran, finisher_output, correct) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const CheckpointResult& k : r.checkpoints) {
    c.bind(1, run_id).bind(2, k.budget).bind(3, k.passes).bind(4, k.tokens).bind(5, k.seconds).bind(6, k.answer)
        .bind(7, k.finisher_ran ? 1 : 0).bind(8, k.finisher_output).bind(9, k.correct ? 1 : 0).run();
    c.reset();
  }
  SqliteStmt m(*db_, "INSERT INTO metrics(run_id, worker, name, value) VALUES (?, ?, ?, ?)");
  for (size_t w = 0; w < r.workers.size(); ++w) {
    const WorkerResult& wr = r.workers[w];
    for (const auto& [name, value] : std::vector<std::pair<const char*, double>>{
             {"tokens", static_cast<double>(wr.tokens)}, {"redundancy", wr.redundancy}, {"steps", static_cast<double>(wr.steps)},
             {"redundant_steps", static_cast<double>(wr.redundant_steps)}, {"attention_on_others", wr.attention_on_others}}) {
      m.bind(1, run_id).bind(2, static_cast<int64_t>(w)).bind(3, name).bind(4, value).run();
      m.reset();
    }
  }
  SqliteStmt l(*db_, "INSERT INTO event_logs(run_id, encoding, raw_size, data) VALUES (?, 'jsonl+zlib', ?, ?)");
  l.bind(1, run_id).bind(2, static_cast<int64_t>(r.event_log.size())).bind_blob(3, compress_text(r.event_log)).run();
  t.commit();
  return run_id;
}

int64_t ResultStore::save_failed_run(int64_t arm_id, int64_t problem_id, const RunTask& task, const std::string& error) {
  SqliteTransaction t(*db_);
  SqliteStmt s(*db_, "INSERT INTO runs(experiment_id, arm_id, problem_id, seed, status, error, correct, task, finished_at) VALUES (1, ?, ?, ?, 'error', ?, 0, ?, ?)");
  s.bind(1, arm_id).bind(2, problem_id).bind(3, static_cast<int64_t>(task.seed)).bind(4, error).bind(5, task.task).bind(6, now_utc()).run();
  const int64_t id = db_->last_insert_id();
  t.commit();
  return id;
}

StoredExperiment ResultStore::experiment() {
  SqliteStmt s(*db_, "SELECT name, spec, base_dir, model, backend, executor, checkpoints, created_at, updated_at FROM experiments WHERE id = 1");
  if (!s.step()) throw ConfigError(path() + ": the results database holds no experiment yet");
  StoredExperiment e;
  e.name = s.text(0);
  e.spec = parse_json(s.text(1), "the experiment", path());
  e.base_dir = s.text(2);
  e.model = s.text(3);
  e.backend = s.text(4);
  e.executor = s.text(5);
  e.checkpoints = parse_json(s.text(6), "the checkpoints", path()).get<std::vector<int64_t>>();
  e.created_at = s.text(7);
  e.updated_at = s.text(8);
  return e;
}

std::vector<StoredArm> ResultStore::arms() {
  std::vector<StoredArm> out;
  SqliteStmt s(*db_, "SELECT id, position, name, kind, workers, layout, settings, preset FROM arms ORDER BY position, id");
  while (s.step()) {
    StoredArm a;
    a.id = s.integer(0);
    a.position = static_cast<int>(s.integer(1));
    a.name = s.text(2);
    a.kind = s.text(3);
    a.workers = static_cast<int>(s.integer(4));
    a.layout = s.text(5);
    a.settings = parse_json(s.text(6), "an arm", path());
    a.preset_json = s.text(7);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<StoredProblem> ResultStore::problems() {
  std::vector<StoredProblem> out;
  SqliteStmt s(*db_, "SELECT id, position, problem_set, problem_key, question, answer, check_spec, tags FROM problems ORDER BY position, id");
  while (s.step()) {
    StoredProblem p;
    p.id = s.integer(0);
    p.position = static_cast<int>(s.integer(1));
    p.set = s.text(2);
    p.key = s.text(3);
    p.question = s.text(4);
    p.answer = s.text(5);
    p.check = parse_json(s.text(6), "a problem", path());
    p.tags = parse_json(s.text(7), "a problem", path()).get<std::vector<std::string>>();
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<StoredRun> ResultStore::query_runs(const std::string& where, std::optional<int64_t> id) {
  std::vector<StoredRun> out;
  std::map<int64_t, size_t> index;
  SqliteStmt s(*db_, R"sql(SELECT id, arm_id, problem_id, seed, status, error, finish_reason, final_answer, correct, passes,
    tokens, wall_seconds, engine_seconds, tokens_per_second, first_correct_passes, first_correct_tokens, redundancy,
    redundancy_ngrams, collab_yes, collab_no, collab_other, attention_on_others, task, prompt, worker_names, finished_at
    FROM runs )sql" + where + " ORDER BY id");
  if (id) s.bind(1, *id);
  while (s.step()) {
    StoredRun r;
    r.id = s.integer(0);
    r.arm_id = s.integer(1);
    r.problem_id = s.integer(2);
    r.seed = static_cast<uint64_t>(s.integer(3));
    r.status = s.text(4);
    r.error = s.text(5);
    r.finish_reason = s.text(6);
    r.final_answer = s.text(7);
    r.correct = s.integer(8) != 0;
    r.passes = s.integer(9);
    r.tokens = s.integer(10);
    r.wall_seconds = s.real(11);
    r.engine_seconds = s.real(12);
    r.tokens_per_second = s.real(13);
    r.first_correct_passes = s.optional_integer(14);
    r.first_correct_tokens = s.optional_integer(15);
    r.redundancy = s.real(16);
    r.redundancy_ngrams = s.real(17);
    r.collab_yes = static_cast<int>(s.integer(18));
    r.collab_no = static_cast<int>(s.integer(19));
    r.collab_other = static_cast<int>(s.integer(20));
    r.attention_on_others = s.real(21);
    r.task = s.text(22);
    r.prompt = s.text(23);
    if (!s.is_null(24)) r.worker_names = parse_json(s.text(24), "a run", path()).get<std::vector<std::string>>();
    r.finished_at = s.text(25);
    index[r.id] = out.size();
    out.push_back(std::move(r));
  }
  const std::string filter = id ? " WHERE run_id = ?" : "";
  SqliteStmt c(*db_, "SELECT run_id, budget, passes, tokens, seconds, answer, finisher_ran, finisher_output, correct FROM checkpoints" + filter + " ORDER BY run_id, budget");
  if (id) c.bind(1, *id);
  while (c.step()) {
    const auto it = index.find(c.integer(0));
    if (it == index.end()) continue;
    StoredCheckpoint k;
    k.budget = c.integer(1);
    k.passes = c.integer(2);
    k.tokens = c.integer(3);
    k.seconds = c.real(4);
    k.answer = c.text(5);
    k.finisher_ran = c.integer(6) != 0;
    k.finisher_output = c.text(7);
    k.correct = c.integer(8) != 0;
    out[it->second].checkpoints.push_back(std::move(k));
  }
  SqliteStmt m(*db_, "SELECT run_id, worker, value FROM metrics WHERE name = 'tokens'" + std::string(id ? " AND run_id = ?" : "") + " ORDER BY run_id, worker");
  if (id) m.bind(1, *id);
  while (m.step()) {
    const auto it = index.find(m.integer(0));
    if (it != index.end()) out[it->second].worker_tokens.push_back(static_cast<int64_t>(m.real(2)));
  }
  return out;
}

std::vector<StoredRun> ResultStore::runs() { return query_runs("", std::nullopt); }

std::optional<StoredRun> ResultStore::run(int64_t run_id) {
  auto v = query_runs("WHERE id = ?", run_id);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

std::string ResultStore::event_log(int64_t run_id) {
  SqliteStmt s(*db_, "SELECT encoding, raw_size, data FROM event_logs WHERE run_id = ?");
  s.bind(1, run_id);
  if (!s.step()) return {};
  if (s.text(0) != "jsonl+zlib") throw Error(path() + ": unknown event log encoding \"" + s.text(0) + "\"");
  return decompress_text(s.blob(2), static_cast<size_t>(s.integer(1)));
}

}  // namespace hogwild::lab
