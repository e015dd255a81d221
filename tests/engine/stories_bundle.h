#pragma once
// stories260K and its tokenizer (the tests' small real model), loaded once per test program.
#include "fixtures.h"
#include "generation/model_bundle.h"

namespace hogwild::test {

inline ModelBundle& stories260k() {
  static ModelBundle b = open_model_bundle(fixture("stories260K/stories260K.bin"), fixture("stories260K/tok512.model"));
  return b;
}

}  // namespace hogwild::test
