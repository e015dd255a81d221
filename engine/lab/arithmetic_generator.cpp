#include "lab/arithmetic_generator.h"

#include <array>
#include <string>

#include "common/error.h"

namespace hogwild::lab {

namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (rejection sampling: no modulo bias).
  int64_t range(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t x;
    do x = next();
    while (x >= limit);
    return lo + static_cast<int64_t>(x % span);
  }
  template <class T, size_t N>
  const T& pick(const std::array<T, N>& a) { return a[static_cast<size_t>(range(0, N - 1))]; }

 private:
  uint64_t state_;
};

struct Person {
  const char* name;
  const char* pronoun;  // She / He / They
  const char* has;      // has / have
};

constexpr std::array<Person, 10> kPeople = {{{"Mia", "She", "has"}, {"Leo", "He", "has"}, {"Ana", "She", "has"},
                                             {"Omar", "He", "has"}, {"Yuki", "She", "has"}, {"Ben", "He", "has"},
                                             {"Zara", "She", "has"}, {"Ravi", "He", "has"}, {"Lena", "She", "has"},
                                             {"Tom", "He", "has"}}};
constexpr std::array<const char*, 10> kItems = {"apples", "marbles", "stickers", "pencils", "coins",
                                                "books", "shells", "cookies", "stamps", "cards"};
constexpr std::array<const char*, 6> kGroups = {"bags", "boxes", "packs", "jars", "baskets", "rows"};

}  // namespace

ProblemSet generate_arithmetic(const ArithmeticOptions& o) {
  if (o.count < 1 || o.count > 1000000) throw ConfigError("generate arithmetic: --n must be between 1 and 1000000");
  if (o.min_steps < 1 || o.max_steps < o.min_steps || o.max_steps > 12)
    throw ConfigError("generate arithmetic: steps must satisfy 1 <= min <= max <= 12");
  if (o.max_start < 2 || o.max_start > 100000) throw ConfigError("generate arithmetic: --max-start must be between 2 and 100000");
  SplitMix64 rng(o.seed);
  ProblemSet set;
  set.name = "arithmetic-seed" + std::to_string(o.seed);
  set.source = "generate arithmetic --n " + std::to_string(o.count) + " --seed " + std::to_string(o.seed);
  for (int i = 0; i < o.count; ++i) {
    const Person& who = rng.pick(kPeople);
    const Person* other = &rng.pick(kPeople);
    while (other->name == who.name) other = &rng.pick(kPeople);
    const std::string item = rng.pick(kItems);
    const int steps = static_cast<int>(rng.range(o.min_steps, o.max_steps));
    int64_t amount = rng.range(2, o.max_start);
    std::string text = std::string(who.name) + " " + who.has + " " + std::to_string(amount) + " " + item + ".";
    for (int s = 0; s < steps; ++s) {
      const std::string pron = who.pronoun;
      int op = static_cast<int>(rng.range(0, 3));
      if (op == 1 && amount < 2) op = 0;  // nothing to give away
      if (op == 3 && amount < 2) op = 2;
      switch (op) {
        case 0: {  // add
          const int64_t k = rng.range(2, 20);
          amount += k;
          text += " " + pron + " finds " + std::to_string(k) + " more " + item + ".";
          break;
        }
        case 1: {  // subtract, never below zero
          const int64_t k = rng.range(1, amount - 1);
          amount -= k;
          text += " " + pron + " gives " + std::to_string(k) + " " + item + " to " + other->name + ".";
          break;
        }
        case 2: {  // add groups
          const int64_t g = rng.range(2, 5), each = rng.range(2, 9);
          amount += g * each;
          text += " " + pron + " buys " + std::to_string(g) + " " + rng.pick(kGroups) + " with " + std::to_string(each) + " " + item + " in each.";
          break;
        }
        default: {  // share equally: keep one share (exact division)
          std::array<int64_t, 4> ways{2, 3, 4, 5};
          int64_t parts = 0;
          for (int tries = 0; tries < 8 && parts == 0; ++tries) {
            const int64_t p = rng.pick(ways);
            if (amount % p == 0) parts = p;
          }
          if (parts == 0) {  // no exact split: add instead
            const int64_t k = rng.range(2, 20);
            amount += k;
            text += " " + pron + " finds " + std::to_string(k) + " more " + item + ".";
            break;
          }
          amount /= parts;
          text += " " + pron + " shares them equally among " + std::to_string(parts) + " friends, " + who.name +
                  " included, and keeps one share.";
          break;
        }
      }
    }
    text += " How many " + item + " does " + who.name + " have now?";
    Problem p;
    p.id = "arith-" + std::to_string(o.seed) + "-" + std::to_string(i + 1);
    p.question = text;
    p.answer = std::to_string(amount);
    p.check.kind = CheckKind::Numeric;
    p.tags = {"arithmetic", "steps:" + std::to_string(steps)};
    set.problems.push_back(std::move(p));
  }
  return set;
}

}  // namespace hogwild::lab
