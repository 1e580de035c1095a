#include "contract/payout_decode.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "contract/decode.hpp"
#include "contract/encoding.hpp"

namespace kassa::contract {
namespace {

using core::ErrorCode;
using nlohmann::json;

// Event types of the other input topics: sent here by mistake they are a topic mix-up, not a
// malformed payout.
bool other_topics_event_type(const std::string& event_type) {
  return kind_from_event_type(event_type).has_value() || event_type == "merchant.activated" ||
         event_type == "merchant.updated";
}

// PostgreSQL's uuid prints lower case; the stored payout and a redelivery must compare equal.
std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

core::Rejection reject(ErrorCode code, std::string message) {
  return {code, std::move(message)};
}

}  // namespace

PayoutDecoder::PayoutDecoder() : schema_("payout.completed.v1.json") {}

DecodedPayout PayoutDecoder::decode(const std::optional<std::string>& key,
                                    std::string_view payload) {
  DecodedPayout out;
  if (!is_valid_utf8(payload)) {
    out.rejection = reject(ErrorCode::invalid_encoding, "payload is not valid UTF-8");
    return out;
  }
  // A payout is 3 levels deep; a document of a million brackets costs one pass, no recursion.
  if (too_deeply_nested(payload)) {
    out.rejection =
        reject(ErrorCode::schema_violation, "$: nested deeper than the contract allows");
    return out;
  }
  const json document = json::parse(payload, nullptr, false);
  if (document.is_discarded()) {
    out.rejection = reject(ErrorCode::invalid_json, "payload is not a JSON document");
    return out;
  }
  if (!document.is_object()) {
    out.rejection = reject(ErrorCode::schema_violation, "$: the event must be a JSON object");
    return out;
  }
  const auto type = document.find("event_type");
  if (type != document.end() && type->is_string() &&
      other_topics_event_type(type->get<std::string>())) {
    out.rejection =
        reject(ErrorCode::event_type_mismatch,
               "event_type " + type->get<std::string>() + " does not belong on the payouts topic");
    return out;
  }
  if (auto problem = schema_.problems(document)) {
    out.rejection = reject(ErrorCode::schema_violation, std::move(*problem));
    return out;
  }
  const auto occurred = core::parse_utc(document.at("occurred_at").get<std::string>());
  if (!occurred) {
    out.rejection = reject(ErrorCode::schema_violation, "occurred_at is not a valid UTC time");
    return out;
  }
  // payout_id is the one free text kassa stores; PostgreSQL text cannot hold U+0000.
  const std::string payout_id = document.at("payout_id").get<std::string>();
  if (payout_id.find('\0') != std::string::npos) {
    out.rejection = reject(ErrorCode::schema_violation,
                           "$.payout_id: contains a NUL character (\\u0000), which cannot be "
                           "stored");
    return out;
  }
  const std::string merchant_id = document.at("merchant_id").get<std::string>();
  if (!key || *key != merchant_id) {
    // Quoted as text only when it is UTF-8 without NUL, so the reason stays storable.
    const bool printable = key && is_valid_utf8(*key) && key->find('\0') == std::string::npos;
    const std::string shown = !key ? "" : printable ? *key : "(base64) " + base64_encode(*key);
    out.rejection = reject(ErrorCode::key_mismatch,
                           key ? "message key " + shown + " differs from merchant_id " + merchant_id
                               : "message has no key; expected merchant_id " + merchant_id);
    return out;
  }
  core::Payout payout;
  payout.event_id = lower(document.at("event_id").get<std::string>());
  payout.merchant_id = lower(merchant_id);
  payout.payout_id = payout_id;
  if (const auto partner = document.find("partner_id"); partner != document.end())
    payout.partner_id = lower(partner->get<std::string>());
  payout.amount = document.at("amount").get<core::Kopecks>();
  payout.occurred_at = *occurred;
  const auto& orders = document.at("orders");
  payout.orders.reserve(orders.size());
  for (const auto& o : orders)
    payout.orders.push_back(
        {lower(o.at("order_id").get<std::string>()), o.at("paid").get<core::Kopecks>(),
         o.at("refunded").get<core::Kopecks>(), o.at("commission").get<core::Kopecks>(),
         o.at("net").get<core::Kopecks>()});
  if (auto rejection = core::check_payout(payout)) {
    out.rejection = std::move(rejection);
    return out;
  }
  out.payout = std::move(payout);
  return out;
}

}  // namespace kassa::contract
