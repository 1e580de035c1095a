// The document package builder for organization buyers (customer.type = legal), who get primary
// documents instead of receipts (contract section 2, fiscal-54fz.md section 8):
//
//   shipment -> shipment_package: the agent's report on the transfer of funds (every shipped
//               line), plus an act for the service lines and a TORG-12 waybill for the commodity
//               lines (each only when it has lines)
//   refund   -> refund_package: the agent's report on the refund (the refunded lines)
//
// Lines and VAT are those of the receipts a private buyer would get for the same event: a
// shipment's line sums come from the order state machine (proportional, half up, the completing
// shipment takes the remainder) at the plain rate dated by the shipment; a refund line keeps the
// rate of what it reverses. VAT per line = sum × r / (100 + r), half up.
//
// Pure: no I/O, no clock. Numbers are not chosen here: the builder leaves them 0 and
// assign_numbers() gives them from the merchant's counters, which the store holds locked in the
// batch's transaction, so numbering is gapless and in the order packages are committed.
#pragma once

#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/order.hpp"
#include "core/receipt.hpp"

namespace kassa::core {

enum class PackageKind { shipment_package, refund_package };
std::string_view package_kind_name(PackageKind kind);

enum class DocumentType { agent_report, act, torg12, refund_report };
inline constexpr DocumentType kDocumentTypes[] = {DocumentType::agent_report, DocumentType::act,
                                                  DocumentType::torg12,
                                                  DocumentType::refund_report};
std::string_view document_type_name(DocumentType type);  // agent_report | act | torg12 | ...
std::optional<DocumentType> parse_document_type(std::string_view name);
std::string_view document_title(DocumentType type);  // the Russian title printed on it

// "22%", "22/122", "0%", "без НДС": how primary documents and FNS XML (НалСт) write a rate.
std::string vat_rate_label(VatType type);

struct DocumentLine {
  std::string sku, name, measure, measure_code;
  LineType type = LineType::commodity;
  Quantity quantity;
  Kopecks price = 0;  // per unit, VAT included: sum / quantity half up (the sum is what counts)
  Kopecks sum = 0;    // VAT included
  VatType vat = VatType::none;
  Kopecks vat_sum = 0;
  Kopecks sum_without_vat() const { return sum - vat_sum; }
};

struct Document {
  DocumentType type = DocumentType::agent_report;
  std::int64_t number = 0;  // per merchant, type and year; 0 until assign_numbers()
  CivilDate date;           // the Moscow date of the source event
  std::vector<DocumentLine> lines;
  Kopecks total = 0;  // Σ line sums, VAT included
  Kopecks vat = 0;    // Σ line VAT
};

struct Party {
  std::string name, inn, kpp, email, phone;
};

// The person who signs the FNS XML for the seller (Подписант): in practice an employee of the
// agent acting under the principal's power of attorney. From configuration (KASSA_SIGNER_*),
// recorded in the package when its files are drawn, so that drawing them again gives the same
// bytes.
struct Signer {
  std::string surname, given_name, patronymic, position;
  // СпосПодтПолном, how the signer's authority is confirmed: 1 the electronic signature's
  // certificate, 2 a power of attorney held by the parties, 3 a machine-readable power of
  // attorney (СвДоверЭл), 4 in the EDO system, 5 a paper power of attorney (СвДоверБум), 6 other.
  // 0: not configured.
  int authority_method = 0;
  std::string poa_number;  // 3: its registration number (36 characters); 5: its own number
  std::optional<CivilDate> poa_date;  // 3 and 5: the date it was issued
  std::string poa_system;             // 3: the system that keeps it (ИдСистХран)
  bool configured() const {
    return !surname.empty() && !given_name.empty() && authority_method != 0;
  }
};

struct Package {
  std::string id_name;  // "<source event_id>:shipment_package" or ":refund_package"
  PackageKind kind = PackageKind::shipment_package;
  std::string order_id, merchant_id, merchant_order_id, source_event_id;
  UtcTime issued_at;  // = the source event's occurred_at
  Party buyer;        // from the payment's customer
  Party principal;    // the merchant (kassa.merchants, or the configured default supplier)
  Party agent;        // Invoicebox, the payment agent (configuration)
  bool default_principal = false;  // the merchant was not in kassa.merchants
  // For the FNS XML, set when the files are drawn: the EDO participant ids of the principal
  // (kassa.merchants.edo_participant_id) and of the agent (configuration), empty when unknown,
  // and the signer (configuration).
  std::string principal_edo_id, agent_edo_id;
  Signer signer;
  // What the documents rest on: the shop's shipping document, or the refund's reason.
  std::string basis_number;
  std::optional<CivilDate> basis_date;
  std::string reason;
  std::vector<Document> documents;
  Kopecks total = 0;  // the money of the event: shipped value or refund amount
};

// The package for an applied shipment or refund of a legal buyer's order; nothing otherwise (a
// private buyer, a payment, any other outcome, or an event that moved nothing).
std::optional<Package> build_package(const OrderState& order, const Step& step,
                                     const Seller& seller, const std::optional<Supplier>& supplier);

// Numbering: one gapless sequence per merchant, document type and calendar year (of the
// document's date). `last` holds the last number given in each sequence (absent = none yet).
struct CounterKey {
  std::string merchant_id;
  DocumentType type = DocumentType::agent_report;
  int year = 0;
  auto operator<=>(const CounterKey&) const = default;
};
using Counters = std::map<CounterKey, std::int64_t>;

// The sequences the packages draw from, sorted, so that every worker locks them in one order.
std::set<CounterKey> counter_keys(const std::vector<Package>& packages);

// Gives each document the next number of its sequence, packages and documents in the order given,
// and returns the counters after them. Deterministic: same packages and counters, same numbers.
Counters assign_numbers(std::vector<Package>& packages, Counters last);

}  // namespace kassa::core
