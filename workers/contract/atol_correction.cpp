#include "contract/atol_correction.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "contract/encoding.hpp"
#include "core/receipt.hpp"

namespace kassa::contract {

std::string_view correction_step_name(CorrectionStep step) {
  switch (step) {
    case CorrectionStep::correction:
      return "correction";
    case CorrectionStep::reverse:
      return "reverse";
    case CorrectionStep::corrected:
      return "corrected";
  }
  return "correction";
}

CorrectionRequest correction_request(std::string_view receipt_id, CorrectionStep step,
                                     std::string_view operation, std::string_view receipt_object,
                                     std::string_view service_object, core::UtcTime settled_at,
                                     core::UtcTime now) {
  if (operation != "sell" && operation != "sell_refund")
    throw std::invalid_argument("a correction corrects sell or sell_refund, not " +
                                std::string(operation));
  const auto parsed = nlohmann::json::parse(receipt_object, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || parsed.empty())
    throw std::invalid_argument("the receipt data is not a JSON object with the receipt's fields");
  // The reverse of a sale is a refund and the other way round.
  const bool refund = (operation == "sell_refund") != (step == CorrectionStep::reverse);
  CorrectionRequest out;
  out.external_id = uuid_v5(
      kOutputNamespace, std::string(receipt_id) + ":" + std::string(correction_step_name(step)));
  out.operation = refund ? "sell_refund_correction" : "sell_correction";

  const auto date = core::moscow_date(settled_at);
  char base_date[16];
  std::snprintf(base_date, sizeof base_date, "%02d.%02d.%04d", date.day, date.month, date.year);
  const std::string info = nlohmann::json{{"type", "self"}, {"base_date", base_date}}.dump();
  // The receipt object's own text after its '{', so every amount keeps its published bytes.
  const auto open = receipt_object.find('{');
  std::string body = "{\"external_id\":\"" + out.external_id + "\",\"timestamp\":\"" +
                     core::format_moscow_atol(now) + "\",";
  if (!service_object.empty()) body += "\"service\":" + std::string(service_object) + ",";
  body += "\"correction\":{\"correction_info\":" + info + "," +
          std::string(receipt_object.substr(open + 1)) + "}";
  out.body = std::move(body);
  return out;
}

std::string vat_period_problem(std::string_view receipt_object, core::UtcTime settled_at) {
  const auto parsed = nlohmann::json::parse(receipt_object, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("items") ||
      !parsed.at("items").is_array())
    throw std::invalid_argument("the receipt data is not a JSON object with items");
  using core::VatCode;
  const auto standard = [](core::UtcTime t) {
    return std::pair{core::vat_type_name(core::vat_type_for(VatCode::standard, false, t)),
                     core::vat_type_name(core::vat_type_for(VatCode::standard, true, t))};
  };
  const auto own = standard(settled_at);
  // The standard rate's types of every period kassa knows (20% until 2025, 22% from 2026).
  std::vector<std::string_view> other;
  for (const char* day : {"2025-06-01T00:00:00Z", "2026-06-01T00:00:00Z"}) {
    const auto [plain, calculated] = standard(*core::parse_utc(day));
    for (const auto type : {plain, calculated})
      if (type != own.first && type != own.second) other.push_back(type);
  }
  for (const auto& item : parsed.at("items")) {
    const auto vat = item.value("vat", nlohmann::json::object());
    const std::string type = vat.value("type", "");
    for (const auto wrong : other)
      if (type == wrong)
        return "item \"" + item.value("name", std::string("?")) + "\" has " + type +
               ", the standard rate of another period than the settlement's (" +
               std::string(own.first) + ", " + std::string(own.second) + ")";
  }
  return "";
}

}  // namespace kassa::contract
