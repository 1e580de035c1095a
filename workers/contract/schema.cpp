#include "contract/schema.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "contract/decode.hpp"

namespace kassa::contract {

struct SchemaValidator::Impl {
  valijson::Schema schema;
  valijson::Validator validator;
};

SchemaValidator::SchemaValidator(std::string_view file_name) : impl_(std::make_unique<Impl>()) {
  const nlohmann::json document = nlohmann::json::parse(schema_text(file_name));
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter adapter(document);
  parser.populateSchema(adapter, impl_->schema);
}

SchemaValidator::~SchemaValidator() = default;

std::optional<std::string> SchemaValidator::problems(const nlohmann::json& document) {
  valijson::adapters::NlohmannJsonAdapter target(document);
  if (impl_->validator.validate(impl_->schema, target, nullptr)) return std::nullopt;
  // Slow path only for bad input: collect readable reasons.
  valijson::ValidationResults results;
  impl_->validator.validate(impl_->schema, target, &results);
  std::string message;
  valijson::ValidationResults::Error error;
  int shown = 0;
  while (results.popError(error) && shown < 3) {
    std::string path;
    for (const auto& part : error.context) path += part == "<root>" ? "$" : part;
    // valijson reports the enclosing failures too; keep the most specific ones.
    if (error.description.find("Failed to validate against schema associated with property") !=
            std::string::npos ||
        error.description.find("Failed to validate item") != std::string::npos)
      continue;
    if (!message.empty()) message += "; ";
    message += path + ": " + error.description;
    ++shown;
  }
  return message.empty() ? "does not match the schema" : message;
}

}  // namespace kassa::contract
