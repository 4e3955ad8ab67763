// tests/unit/test_import.cpp: exact decimals, identifier normalisation and
// keyed hashes, CSV splitting, and the errors of the import mapping.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/csv_import.hpp"
#include "io/csv_reader.hpp"
#include "io/identifier_hash.hpp"
#include "io/import_mapping.hpp"

namespace portrait::io {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const auto path =
      std::filesystem::temp_directory_path() / ("portrait_import_" + std::to_string(::getpid()) + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string mapping_error(const std::string& yaml) {
  const std::string path = write_file("map.yaml", yaml);
  try {
    load_import_mapping(path);
  } catch (const Error& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "(no error)";
}

TEST(Import, DecimalsAreExactMillionths) {
  EXPECT_EQ(parse_micro("45.07"), Int128{45070000});
  EXPECT_EQ(parse_micro("-0.5"), Int128{-500000});
  EXPECT_EQ(parse_micro("12"), Int128{12000000});
  EXPECT_EQ(parse_micro(".25"), Int128{250000});
  // 0.1 + 0.2 in yuan is exactly 30 fen, unlike in binary floating point.
  EXPECT_EQ((*parse_micro("0.1") + *parse_micro("0.2")) * 100 / 1000000, Int128{30});
  EXPECT_FALSE(parse_micro("1e3"));
  EXPECT_FALSE(parse_micro("1.2345678"));
  EXPECT_FALSE(parse_micro("-"));
  EXPECT_FALSE(parse_micro("12a"));
}

TEST(Import, IdentifiersAreNormalisedBeforeHashing) {
  EXPECT_EQ(normalise_identifier(IdentifierKind::Phone, " +86 138-0013-8000 "), "13800138000");
  EXPECT_EQ(normalise_identifier(IdentifierKind::Phone, "008613800138000"), "13800138000");
  EXPECT_EQ(normalise_identifier(IdentifierKind::IdCard, "11010519491231002x"), "11010519491231002X");
  EXPECT_EQ(normalise_identifier(IdentifierKind::Email, " Li.Wei@Example.COM"), "li.wei@example.com");
  EXPECT_EQ(normalise_identifier(IdentifierKind::Phone, "n/a"), "");
  const std::uint64_t a = keyed_identifier_hash("k1", IdentifierKind::Phone, "13800138000");
  EXPECT_EQ(a, keyed_identifier_hash("k1", IdentifierKind::Phone, "13800138000"));
  EXPECT_NE(a, keyed_identifier_hash("k2", IdentifierKind::Phone, "13800138000"));
  EXPECT_NE(a, keyed_identifier_hash("k1", IdentifierKind::Account, "13800138000"));
  EXPECT_NE(a, 0U);
}

TEST(Import, HashIsTheFirstEightBytesOfHmacSha256) {
  // The message is the kind byte (phone = 0) followed by the value; the
  // expected value is from Python's hmac module:
  //   hmac.new(b'Jefe', b'\x00what do ya want for nothing?', hashlib.sha256).hexdigest()[:16]
  const std::string value = "what do ya want for nothing?";
  const std::uint64_t h = keyed_identifier_hash("Jefe", IdentifierKind::Phone, value);
  EXPECT_EQ(h, 0x6882ec3e66248227ULL);
}

TEST(Import, CsvReaderHandlesQuotes) {
  const std::string path = write_file("q.csv", "a,b,c\n\"x, y\",\"he said \"\"hi\"\"\",3\r\n\n\"open,1\n");
  CsvReader csv(path);
  ASSERT_TRUE(csv.next());
  ASSERT_TRUE(csv.next());
  ASSERT_EQ(csv.fields().size(), 3U);
  EXPECT_EQ(csv.fields()[0], "x, y");
  EXPECT_EQ(csv.fields()[1], "he said \"hi\"");
  EXPECT_EQ(csv.fields()[2], "3");
  EXPECT_EQ(csv.line_number(), 2U);
  ASSERT_TRUE(csv.next());
  EXPECT_TRUE(csv.malformed());
  EXPECT_EQ(csv.line_number(), 4U);
  EXPECT_FALSE(csv.next());
  std::filesystem::remove(path);
  EXPECT_EQ(csv_quote("a\"b"), "\"a\"\"b\"");
}

// A quote where RFC 4180 allows none is a quoting fault of the record, not
// part of a value (which would then miss its code table or fail as a number).
TEST(Import, CsvReaderNamesStrayQuotes) {
  const std::string path = write_file("stray.csv", "a,b\nKS,y\"es\n\"KS\"x,yes\nKS,\"no\"\n\"open,1\n");
  CsvReader csv(path);
  ASSERT_TRUE(csv.next());
  EXPECT_FALSE(csv.malformed());
  ASSERT_TRUE(csv.next());
  EXPECT_EQ(csv.quoting_problem(), "a quote inside an unquoted field in field 2");
  ASSERT_TRUE(csv.next());
  EXPECT_EQ(csv.quoting_problem(), "text after the closing quote in field 1");
  ASSERT_TRUE(csv.next());
  EXPECT_FALSE(csv.malformed());
  EXPECT_EQ(csv.fields()[1], "no");
  ASSERT_TRUE(csv.next());
  EXPECT_EQ(csv.quoting_problem(), "unterminated quote in field 1");
  std::filesystem::remove(path);
}

TEST(Import, MappingErrorsNameFileLineAndFix) {
  const std::string head = "period: 2024-03\ntables:\n  billing:\n    columns:\n";
  const std::string full =
      "      customer_id: {row_number: true}\n      month: {constant: 202403}\n      amount: {from: fee}\n"
      "      voice_min_used: {missing: true}\n      data_mb_used: {missing: true}\n      balance: {missing: "
      "true}\n";
  // A required column left out.
  std::string e = mapping_error(head + full);
  EXPECT_NE(e.find("required column 'paid_on_time' of billing is not mapped"), std::string::npos) << e;
  EXPECT_NE(e.find("{missing: true}"), std::string::npos) << e;
  // Misspelt unit and key, wrong type, extra column without type, unknown channel.
  e = mapping_error(head + full +
                    "      paid_on_time: {missing: true}\n      x: {from: a, type: int64, unit: yuan2fen}\n");
  EXPECT_NE(e.find("unknown unit 'yuan2fen'"), std::string::npos) << e;
  EXPECT_NE(e.find(":12"), std::string::npos) << e;
  e = mapping_error(head + full + "      paid_on_time: {form: a}\n");
  EXPECT_NE(e.find("did you mean 'from'"), std::string::npos) << e;
  e = mapping_error(head + full + "      paid_on_time: {from: a, type: int32}\n");
  EXPECT_NE(e.find("type int32 differs from the channel's int8"), std::string::npos) << e;
  e = mapping_error(head + full + "      paid_on_time: {missing: true}\n      note: {from: a}\n");
  EXPECT_NE(e.find("extra column needs a type"), std::string::npos) << e;
  e = mapping_error("period: 2024-03\ntables:\n  biling:\n    columns: {}\n");
  EXPECT_NE(e.find("did you mean 'billing'"), std::string::npos) << e;
  e = mapping_error("period: March\ntables: {}\n");
  EXPECT_NE(e.find("bad period"), std::string::npos) << e;
}

}  // namespace
}  // namespace portrait::io
