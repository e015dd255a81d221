#include "lab/run_metrics.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <map>

namespace hogwild::lab {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxAnswerTokens = 8;  // a yes/no answer not begun within this many tokens counts as "other"

bool word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

struct Word {
  std::string text;
  int64_t pass;
  int step;
};

std::vector<Word> words_of(const WorkerTrace& t) {
  std::vector<Word> out;
  std::string cur;
  for (size_t i = 0; i <= t.text.size(); ++i) {
    const unsigned char c = i < t.text.size() ? static_cast<unsigned char>(t.text[i]) : ' ';
    if (i < t.text.size() && word_byte(c)) {
      cur += static_cast<char>(std::tolower(c));
      continue;
    }
    if (!cur.empty()) {
      out.push_back({cur, t.byte_pass[i - 1], t.byte_step[i - 1]});
      cur.clear();
    }
  }
  return out;
}

}  // namespace

void WorkerTrace::append(std::string_view piece, int64_t pass, int step) {
  text.append(piece);
  byte_pass.insert(byte_pass.end(), piece.size(), pass);
  byte_step.insert(byte_step.end(), piece.size(), step);
}

Redundancy measure_redundancy(const std::vector<WorkerTrace>& workers, int n, double threshold) {
  const size_t W = workers.size();
  Redundancy r;
  r.per_worker.assign(W, kNaN);
  r.steps.assign(W, 0);
  r.redundant_steps.assign(W, 0);
  r.overall = kNaN;
  r.ngram_share = kNaN;
  if (W < 2 || n < 1) return r;
  // Every n-gram: its text, worker, end pass and step; and per n-gram text the earliest end pass per worker.
  struct Gram {
    std::string key;
    int64_t pass;
    int step;
  };
  std::vector<std::vector<Gram>> grams(W);
  std::map<std::string, std::vector<int64_t>> earliest;  // key -> [worker] earliest end pass (INT64_MAX: never)
  for (size_t w = 0; w < W; ++w) {
    const std::vector<Word> words = words_of(workers[w]);
    for (size_t i = 0; i + static_cast<size_t>(n) <= words.size(); ++i) {
      std::string key;
      for (size_t k = i; k < i + static_cast<size_t>(n); ++k) (key += words[k].text) += ' ';
      const Word& last = words[i + static_cast<size_t>(n) - 1];
      grams[w].push_back({key, last.pass, last.step});
      auto& e = earliest.try_emplace(key, std::vector<int64_t>(W, std::numeric_limits<int64_t>::max())).first->second;
      e[w] = std::min(e[w], last.pass);
    }
  }
  int64_t all_grams = 0, all_repeated = 0, all_steps = 0, all_redundant = 0;
  for (size_t w = 0; w < W; ++w) {
    std::map<int, std::pair<int64_t, int64_t>> per_step;  // step -> (grams, repeated)
    for (const Gram& g : grams[w]) {
      const auto& e = earliest.at(g.key);
      bool repeated = false;
      for (size_t v = 0; v < W; ++v)
        if (v != w && e[v] < g.pass) repeated = true;
      auto& s = per_step[g.step];
      ++s.first;
      if (repeated) ++s.second;
      ++all_grams;
      if (repeated) ++all_repeated;
    }
    for (const auto& [step, counts] : per_step) {
      ++r.steps[w];
      if (static_cast<double>(counts.second) >= threshold * static_cast<double>(counts.first)) ++r.redundant_steps[w];
    }
    if (r.steps[w] > 0) r.per_worker[w] = static_cast<double>(r.redundant_steps[w]) / static_cast<double>(r.steps[w]);
    all_steps += r.steps[w];
    all_redundant += r.redundant_steps[w];
  }
  if (all_steps > 0) r.overall = static_cast<double>(all_redundant) / static_cast<double>(all_steps);
  if (all_grams > 0) r.ngram_share = static_cast<double>(all_repeated) / static_cast<double>(all_grams);
  return r;
}

CollabAnswer classify_collab_answer(std::string_view text, bool final) {
  size_t a = 0;
  while (a < text.size() && !std::isalpha(static_cast<unsigned char>(text[a]))) {
    // Leading spaces, quotes, asterisks are fine; a digit or other symbol means no yes/no answer.
    const char c = text[a];
    if (!(c == ' ' || c == '\n' || c == '\t' || c == '"' || c == '\'' || c == '*' || c == '_' || c == '(')) return CollabAnswer::Other;
    ++a;
  }
  size_t b = a;
  while (b < text.size() && std::isalpha(static_cast<unsigned char>(text[b]))) ++b;
  if (a == b) return final ? CollabAnswer::Other : CollabAnswer::Pending;
  if (b == text.size() && !final) return CollabAnswer::Pending;  // the word may still grow ("no" -> "not")
  std::string word(text.substr(a, b - a));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (word == "yes") return CollabAnswer::Yes;
  if (word == "no") return CollabAnswer::No;
  return CollabAnswer::Other;
}

MetricsCollector::MetricsCollector(int workers)
    : traces_(static_cast<size_t>(workers)),
      sampled_(static_cast<size_t>(workers), 0),
      after_question_(static_cast<size_t>(workers)),
      after_question_tokens_(static_cast<size_t>(workers), 0),
      attn_sum_(static_cast<size_t>(workers), 0.0),
      attn_count_(static_cast<size_t>(workers), 0) {}

void MetricsCollector::close_answer(int w, CollabAnswer a) {
  after_question_[static_cast<size_t>(w)].reset();
  if (a == CollabAnswer::Yes) ++yes_;
  else if (a == CollabAnswer::No) ++no_;
  else ++other_;
}

void MetricsCollector::add(const EngineEvent& e, int worker) {
  auto index = [&](int event_worker) { return worker >= 0 ? worker : event_worker; };
  if (const auto* t = std::get_if<TokenEvent>(&e)) {
    const int w = index(t->worker);
    if (w < 0 || w >= workers() || t->inserted) return;
    const size_t i = static_cast<size_t>(w);
    traces_[i].append(t->text, t->pass, t->step);
    ++sampled_[i];
    if (auto& pending = after_question_[i]) {
      *pending += t->text;
      ++after_question_tokens_[i];
      const CollabAnswer a = classify_collab_answer(*pending, after_question_tokens_[i] >= kMaxAnswerTokens);
      if (a != CollabAnswer::Pending) close_answer(w, a);
    }
  } else if (const auto* q = std::get_if<CollabQuestionEvent>(&e)) {
    const int w = index(q->worker);
    if (w < 0 || w >= workers()) return;
    if (const auto& earlier = after_question_[static_cast<size_t>(w)]) close_answer(w, classify_collab_answer(*earlier, true));
    after_question_[static_cast<size_t>(w)] = std::string();
    after_question_tokens_[static_cast<size_t>(w)] = 0;
  } else if (const auto* s = std::get_if<StatsEvent>(&e)) {
    const size_t F = s->block_names.size();
    if (F == 0 || s->block_owner.size() != F) return;
    for (int sw = 0; sw < s->workers; ++sw) {
      const int w = worker >= 0 ? worker : sw;
      if (w >= workers()) continue;
      bool has_others = false;
      for (size_t f = 0; f < F; ++f)
        if (s->block_owner[f] >= 0 && s->block_owner[f] != sw) has_others = true;
      if (!has_others) continue;
      double total = 0;
      for (int l = 0; l < s->layers; ++l)
        for (int h = 0; h < s->heads; ++h)
          for (size_t f = 0; f < F; ++f)
            if (s->block_owner[f] >= 0 && s->block_owner[f] != sw) total += s->at(sw, l, h, static_cast<int>(f));
      const double per_head = s->layers * s->heads > 0 ? total / (s->layers * s->heads) : 0.0;
      attn_sum_[static_cast<size_t>(w)] += per_head;
      ++attn_count_[static_cast<size_t>(w)];
    }
  }
}

void MetricsCollector::finish() {
  for (int w = 0; w < workers(); ++w)
    if (const auto& pending = after_question_[static_cast<size_t>(w)]) close_answer(w, classify_collab_answer(*pending, true));
}

double MetricsCollector::attention_on_others(int w) const {
  const size_t i = static_cast<size_t>(w);
  return attn_count_[i] > 0 ? attn_sum_[i] / static_cast<double>(attn_count_[i]) : kNaN;
}

double MetricsCollector::attention_on_others() const {
  double sum = 0;
  int n = 0;
  for (int w = 0; w < workers(); ++w)
    if (const double v = attention_on_others(w); !std::isnan(v)) {
      sum += v;
      ++n;
    }
  return n > 0 ? sum / n : kNaN;
}

}  // namespace hogwild::lab
