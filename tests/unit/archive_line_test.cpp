// Lines of a replay archive (kassa replay --file): what is read, and what stops the replay.
#include <gtest/gtest.h>

#include "contract/archive_line.hpp"
#include "contract/encoding.hpp"

namespace kassa::contract {
namespace {

TEST(ArchiveLine, AGeneratorLineGivesTopicKeyAndBytes) {
  const auto line = parse_archive_line(
      R"({"topic": "invoicebox.payments.v1", "key": "k-1", "value": "{\"a\": 1}"})");
  EXPECT_EQ(line.topic, "invoicebox.payments.v1");
  EXPECT_EQ(line.key, "k-1");
  EXPECT_EQ(line.value, R"({"a": 1})");
  EXPECT_FALSE(line.partition);
  EXPECT_FALSE(line.offset);
  EXPECT_FALSE(line.timestamp_ms);
}

TEST(ArchiveLine, AnExportLineKeepsItsPlaceAndTime) {
  const auto line = parse_archive_line(
      R"({"topic": "t", "key": null, "value_base64": "/wA=", "partition": 2, "offset": 77,)"
      R"( "timestamp": "2026-01-01T00:00:00Z"})");
  EXPECT_FALSE(line.key);
  EXPECT_EQ(line.value, std::string("\xff\x00", 2));
  EXPECT_EQ(line.partition, 2);
  EXPECT_EQ(line.offset, 77);
  EXPECT_EQ(line.timestamp_ms, 1767225600000);
  EXPECT_EQ(parse_archive_line(R"({"topic": "t", "value": "", "timestamp": 5})").timestamp_ms, 5);
}

TEST(ArchiveLine, WhatIsNotAnArchiveLineIsRefusedWithItsReason) {
  const char* bad[] = {
      "not json",
      "[1, 2]",
      R"({"key": "k", "value": "v"})",
      R"({"topic": "t"})",
      R"({"topic": "t", "value": 5})",
      R"({"topic": "t", "value_base64": "***"})",
      R"({"topic": "t", "value": "v", "partition": -1})",
      R"({"topic": "t", "value": "v", "offset": "7"})",
      R"({"topic": "t", "value": "v", "timestamp": "yesterday"})",
      R"({"topic": "t", "value": "v", "key": 5})",
  };
  for (const char* line : bad)
    EXPECT_THROW(parse_archive_line(line), std::invalid_argument) << line;
}

TEST(Base64, DecodesWhatEncodeWrites) {
  for (const std::string& bytes :
       {std::string(), std::string("f"), std::string("fo"), std::string("foo"), std::string("foob"),
        std::string("\x00\xff\x10 binary", 10)})
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab!="));
}

}  // namespace
}  // namespace kassa::contract
