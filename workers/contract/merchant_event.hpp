// From the bytes of a merchants-topic message (contract section 6) to a merchant version, or to
// the reason it is refused: UTF-8, JSON, event type, JSON Schema (schemas/merchant.v1.json), the
// INN's check digits, key = merchant_id.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "core/merchant.hpp"

namespace kassa::contract {

struct MerchantEvent {
  std::string event_id, event_type, merchant_id;
  std::string partner_id, email, edo_participant_id;  // empty: none
  core::UtcTime occurred_at;
  core::Supplier supplier;  // name, inn, phones, kpp, site_url
};

struct DecodedMerchant {
  std::optional<MerchantEvent> event;
  std::optional<core::Rejection> rejection;
  std::string event_id;  // when the payload names one, also for a rejection (dead letters)
};

// Holds the schema's validator; one per thread.
class MerchantDecoder {
 public:
  MerchantDecoder();
  ~MerchantDecoder();
  MerchantDecoder(const MerchantDecoder&) = delete;
  MerchantDecoder& operator=(const MerchantDecoder&) = delete;

  DecodedMerchant decode(const std::optional<std::string>& key, std::string_view payload);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kassa::contract
