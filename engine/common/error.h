#pragma once
// Errors leave the engine as exceptions carrying one clear, user-facing line.
#include <stdexcept>
#include <string>

namespace hogwild {

// Base of every engine error. what() is a complete sentence a user can act on.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A model, tokenizer or vocabulary file that cannot be used (message names the file and the problem).
class ModelError : public Error {
 public:
  using Error::Error;
};

// Settings that cannot work together (bad sampling values, W out of range, prompt longer than the context...).
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A device failed while computing (CUDA error mid-run, device out of memory during a pass): the run cannot go on
// on this backend. what() reads "CUDA: …" with the failing call; the session ends its run with reason "error".
class BackendError : public Error {
 public:
  using Error::Error;
};

}  // namespace hogwild
