#include "contract/merchant_event.hpp"

#include <nlohmann/json.hpp>

#include "contract/decode.hpp"
#include "contract/encoding.hpp"
#include "contract/schema.hpp"
#include "core/requisites.hpp"

namespace kassa::contract {

using core::ErrorCode;
using nlohmann::json;

struct MerchantDecoder::Impl {
  SchemaValidator schema{"merchant.v1.json"};
};

MerchantDecoder::MerchantDecoder() : impl_(std::make_unique<Impl>()) {}
MerchantDecoder::~MerchantDecoder() = default;

DecodedMerchant MerchantDecoder::decode(const std::optional<std::string>& key,
                                        std::string_view payload) {
  DecodedMerchant out;
  auto refuse = [&](ErrorCode code, std::string message) {
    out.rejection = core::Rejection{code, std::move(message)};
    return out;
  };
  if (!is_valid_utf8(payload))
    return refuse(ErrorCode::invalid_encoding, "payload is not valid UTF-8");
  if (too_deeply_nested(payload))
    return refuse(ErrorCode::schema_violation, "$: nested deeper than any merchant event can be");
  const json document = json::parse(payload, nullptr, false);
  if (document.is_discarded())
    return refuse(ErrorCode::invalid_json, "payload is not a JSON document");
  if (!document.is_object())
    return refuse(ErrorCode::schema_violation, "$: the event must be a JSON object");
  if (const auto id = document.find("event_id"); id != document.end() && id->is_string())
    out.event_id = id->get<std::string>();
  if (const auto type = document.find("event_type"); type != document.end() && type->is_string() &&
                                                     *type != "merchant.activated" &&
                                                     *type != "merchant.updated")
    return refuse(ErrorCode::event_type_mismatch, "event_type " + type->get<std::string>() +
                                                      " does not belong on the merchants topic");
  if (auto problem = impl_->schema.problems(document))
    return refuse(ErrorCode::schema_violation, std::move(*problem));
  const auto occurred = core::parse_utc(document.at("occurred_at").get<std::string>());
  if (!occurred) return refuse(ErrorCode::schema_violation, "occurred_at is not a valid UTC time");
  const std::string inn = document.at("inn").get<std::string>();
  if (!core::valid_inn(inn))
    return refuse(ErrorCode::invalid_inn, "inn " + inn + ": the check digits do not match");
  const std::string kpp = document.value("kpp", std::string());
  if (!kpp.empty() && inn.size() != 10)
    return refuse(ErrorCode::invalid_kpp, "kpp: only an organization (10-digit INN) has a KPP");
  const std::string merchant_id = document.at("merchant_id").get<std::string>();
  if (!key || *key != merchant_id) {
    const bool printable = key && is_valid_utf8(*key) && key->find('\0') == std::string::npos;
    const std::string shown = !key ? "" : printable ? *key : "(base64) " + base64_encode(*key);
    return refuse(ErrorCode::key_mismatch,
                  key ? "message key " + shown + " differs from merchant_id " + merchant_id
                      : "message has no key; expected merchant_id " + merchant_id);
  }
  MerchantEvent event;
  event.event_id = out.event_id;
  event.event_type = document.at("event_type").get<std::string>();
  event.merchant_id = merchant_id;
  event.partner_id = document.value("partner_id", std::string());
  event.email = document.at("email").get<std::string>();
  event.edo_participant_id = document.value("edo_participant_id", std::string());
  event.occurred_at = *occurred;
  event.supplier.inn = inn;
  event.supplier.name = document.at("name").get<std::string>();
  event.supplier.phones = document.at("phones").get<std::vector<std::string>>();
  event.supplier.kpp = kpp;
  event.supplier.site_url = document.at("site_url").get<std::string>();
  out.event = std::move(event);
  return out;
}

}  // namespace kassa::contract
