// One of the contract's JSON Schemas (schemas/, embedded), ready to validate documents with.
// Holds a valijson validator (it caches regexes): one instance per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kassa::contract {

class SchemaValidator {
 public:
  explicit SchemaValidator(std::string_view file_name);  // e.g. "receipt.v1.json"
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  // nullopt when valid; otherwise up to three readable reasons ("$.items[3].name: ...").
  std::optional<std::string> problems(const nlohmann::json& document);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kassa::contract
