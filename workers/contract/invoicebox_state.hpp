// Invoicebox's state export: one API v3 order object per NDJSON line (invoicebox.md §3, contract
// §4), or a guarantee-fund operation (`"objectType": "guaranteeFundOperation"`, contract §6),
// parsed into the few fields reconciliation needs. Pure: no I/O.
//
// Money is converted to kopecks from the number's source text (never through a double): `371.88`
// -> 37188, `100` -> 10000, `0.01` -> 1. Exponent forms (`1e2`, `3.7188E2`) are rejected:
// Invoicebox writes plain decimals, and a rubles amount in exponent form means the exporter is not
// what we think it is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/money.hpp"
#include "core/utc_time.hpp"

namespace kassa::contract {

struct InvoiceboxOrder {
  std::string id;                          // lower-case uuid
  std::optional<std::string> merchant_id;  // lower-case uuid
  std::optional<std::string> merchant_order_id;
  std::optional<std::string> parent_id;  // set for a refund order: the refunded order's id
  std::string status;                    // created|completed|expired|canceled|hold|draft
  core::Kopecks amount = 0;
  std::optional<core::Kopecks> vat_amount;
  std::string currency;                      // always "RUB"
  std::optional<std::string> customer_type;  // private|legal
  std::optional<core::UtcTime> created_at;
  std::optional<core::UtcTime> paid_at;

  bool is_refund() const { return parent_id.has_value(); }
  bool operator==(const InvoiceboxOrder&) const = default;
};

// Why a line was rejected, one short sentence ("amount has more than two decimals: 1.005").
struct LineError {
  std::string reason;
};

// A guarantee-fund operation: `debit` when a payment was confirmed from a partner's fund,
// `credit` when the money went back to it.
struct FundOperation {
  std::string id;                    // lower-case uuid
  std::string partner_id;            // lower-case uuid
  std::string partner_operation_id;  // lower-case uuid, the Business API's partnerOperationId
  std::string order_id;              // lower-case uuid
  std::string type;                  // debit|credit
  core::Kopecks amount = 0;
  std::optional<core::UtcTime> created_at;

  bool operator==(const FundOperation&) const = default;
};

using ParsedLine = std::variant<InvoiceboxOrder, LineError>;
using StateLine = std::variant<InvoiceboxOrder, FundOperation, LineError>;

// One line of the export (without its newline; a trailing '\r' is tolerated as JSON whitespace):
// an order or refund order, or a guarantee-fund operation.
StateLine parse_state_line(std::string_view line);

// The same for a line that must be an order: a fund operation is a LineError here.
ParsedLine parse_invoicebox_line(std::string_view line);

// ISO 8601 / RFC 3339 with an explicit offset: "YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|+HH:MM|-HH:MM)"
// -> UTC. Calendar-checked like core::parse_utc; offsets up to ±23:59.
std::optional<core::UtcTime> parse_offset_time(std::string_view text);

// The statuses Invoicebox uses for orders and refund orders (invoicebox.md §5), `cancelled`
// spelled `canceled`; nullopt for anything else.
std::optional<std::string> normalize_invoicebox_status(std::string_view status);

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, any case) -> lower case; nullopt otherwise.
std::optional<std::string> normalize_uuid(std::string_view text);

}  // namespace kassa::contract
