// The package message carries what the FNS XML was made with (the EDO ids and the signer), so that
// `kassa documents render` draws the same bytes from the stored message; schemas/package.v1.json
// describes it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "contract/package_json.hpp"
#include "contract/schema.hpp"
#include "core/package.hpp"

namespace kassa::contract {
namespace {

core::Package package() {
  core::Package p;
  p.kind = core::PackageKind::shipment_package;
  p.source_event_id = "0b0e5a1c-3d4f-4a5b-8c6d-7e8f9a0b1c2d";
  p.id_name = p.source_event_id + ":shipment_package";
  p.order_id = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
  p.merchant_id = "5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
  p.merchant_order_id = "A-1";
  p.issued_at = *core::parse_utc("2026-02-14T12:00:00Z");
  p.buyer = {"ООО «Ромашка»", "7707083893", "770701001", "buh@romashka.ru", ""};
  p.principal = {"ООО «Чайный дом»", "7736207543", "773601001", "", ""};
  p.agent = {"ООО «ОРЦ»", "7704340310", "770401001", "kassa@invoicebox.ru", ""};
  core::Document d;
  d.type = core::DocumentType::act;
  d.number = 1;
  d.date = {2026, 2, 14};
  core::DocumentLine line;
  line.sku = "S";
  line.name = "Сборка";
  line.type = core::LineType::service;
  line.measure = "усл";
  line.measure_code = "876";
  line.quantity = *core::parse_quantity("1");
  line.price = line.sum = d.total = p.total = 12200;
  line.vat = core::VatType::vat22;
  line.vat_sum = d.vat = 2200;
  d.lines = {line};
  p.documents = {d};
  return p;
}

const std::vector<DocumentFiles> kFiles = {
    {"act_1.pdf", std::string(64, 'a'), "ON_NSCHFDOPPR_A_O_20260214_x.xml", std::string(64, 'b')}};

TEST(PackageJson, EdoIdsAndSignerRoundTripAndMatchTheSchema) {
  core::Package p = package();
  p.principal_edo_id = "2BM-7736207543-773601001-201801010000000000000";
  p.agent_edo_id = "2AE-ORC-0001";
  p.signer = {"Иванова",
              "Мария",
              "",
              "Специалист",
              3,
              "4b1d2c3e-5f60-4718-9a2b-3c4d5e6f7081",
              core::CivilDate{2025, 12, 1},
              "https://m4d.nalog.gov.ru"};
  const std::string body = package_json(p, kFiles);
  SchemaValidator schema("package.v1.json");
  const auto problems = schema.problems(nlohmann::json::parse(body));
  EXPECT_FALSE(problems) << *problems;

  const core::Package back = package_from_json(body);
  EXPECT_EQ(back.principal_edo_id, p.principal_edo_id);
  EXPECT_EQ(back.agent_edo_id, p.agent_edo_id);
  EXPECT_EQ(back.signer.surname, "Иванова");
  EXPECT_EQ(back.signer.given_name, "Мария");
  EXPECT_EQ(back.signer.patronymic, "");
  EXPECT_EQ(back.signer.position, "Специалист");
  EXPECT_EQ(back.signer.authority_method, 3);
  EXPECT_EQ(back.signer.poa_number, p.signer.poa_number);
  ASSERT_TRUE(back.signer.poa_date);
  EXPECT_EQ(*back.signer.poa_date, (core::CivilDate{2025, 12, 1}));
  EXPECT_EQ(back.signer.poa_system, p.signer.poa_system);
  EXPECT_EQ(package_json(back, kFiles), body);  // same package, same bytes
}

// Found by fuzz_packages: the input events take UUIDs in either case and the package copies
// order_id, merchant_id and source_event_id as sent, but the schema took lower case only.
TEST(PackageJson, IdsInUpperCaseAsTheEventSentThemMatchTheSchema) {
  core::Package p = package();
  p.source_event_id = "0B0E5A1C-3D4F-4A5B-8C6D-7E8F9A0B1C2D";
  p.id_name = p.source_event_id + ":shipment_package";
  p.order_id = "1C2D3E4F-5A6B-4C7D-8E9F-0A1B2C3D4E5F";
  const std::string body = package_json(p, kFiles);
  SchemaValidator schema("package.v1.json");
  const auto problems = schema.problems(nlohmann::json::parse(body));
  EXPECT_FALSE(problems) << *problems;
  EXPECT_EQ(package_json(package_from_json(body), kFiles), body);
}

TEST(PackageJson, WithoutEdoIdsOrSignerTheyAreNull) {
  const std::string body = package_json(package(), kFiles);
  const auto message = nlohmann::json::parse(body);
  EXPECT_TRUE(message.at("signer").is_null());
  EXPECT_TRUE(message.at("edo").at("principal_participant_id").is_null());
  SchemaValidator schema("package.v1.json");
  const auto problems = schema.problems(message);
  EXPECT_FALSE(problems) << *problems;
  const core::Package back = package_from_json(body);
  EXPECT_TRUE(back.principal_edo_id.empty());
  EXPECT_FALSE(back.signer.configured());
  // A message written before these fields existed still reads.
  auto old = message;
  old.erase("signer");
  old.erase("edo");
  EXPECT_FALSE(package_from_json(old.dump()).signer.configured());
  // A bad EDO id breaks the schema.
  auto bad = message;
  bad["edo"]["principal_participant_id"] = "2BM_with_underscore";
  EXPECT_TRUE(schema.problems(bad));
}

}  // namespace
}  // namespace kassa::contract
