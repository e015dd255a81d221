#pragma once
// The per-format loaders behind load_model() (model_loader.cpp dispatches on the file's magic).
#include <memory>

#include "model/gguf_file.h"
#include "model/mapped_file.h"
#include "model/model.h"

namespace hogwild {

// load_model() on a file already mapped (or held in memory: MappedFile's byte constructor, for fuzz targets).
Model load_model_file(std::shared_ptr<const MappedFile> file);

// A GGUF model of a supported architecture (today: llama). Validates hyper-parameters, every tensor's
// type and dims, and the embedded vocabulary against them.
Model load_gguf_model(const GgufFile& file);

// A llama2.c checkpoint (legacy "version 0": 7×int32 header, then float32 arrays; see stories260K/SOURCE.md).
Model load_llama2c_model(std::shared_ptr<const MappedFile> file);

}  // namespace hogwild
