// src/io/schema.cpp: the channel schemas and standard code tables.
#include "io/schema.hpp"

#include <stdexcept>

#include "core/error.hpp"
#include "core/spelling.hpp"

namespace portrait::io {
namespace {

using T = ColumnType;

std::vector<ChannelSchema> build_schemas() {
  const ColumnSpec id{"customer_id", T::Int64, "customer number (> 0)"};
  return {
      {"customers",
       {id,
        {"region", T::Int32, "region code (dictionary region)", Codes::dictionary("region")},
        {"gender", T::Int8, "1 male, 2 female", Codes::dictionary("gender")},
        {"birth_year", T::Int32, "year"},
        {"join_date", T::Int64, "Unix seconds UTC"},
        {"plan_id", T::Int32, "tariff plan code"},
        {"plan_fee", T::Int64, "fen per month", {}, Sign::NonNegative},
        {"voice_quota_min", T::Int32, "minutes per month in the plan"},
        {"data_quota_mb", T::Int32, "MB per month in the plan"},
        {"contract_type", T::Int8, "0 none, 1 contract, 2 handset contract",
         Codes::dictionary("contract_type")},
        {"contract_end", T::Int64, "Unix seconds UTC, missing if no contract"},
        {"payer", T::Int8, "0 self, 1 company", Codes::dictionary("payer")},
        {"star_level", T::Int8, "1-5", Codes::range(1, 5)},
        {"handset_brand", T::Int32, "code (dictionary handset_brand)", Codes::dictionary("handset_brand")},
        {"premium_number", T::Int8, "0/1", Codes::range(0, 1)},
        {"converged", T::Int8, "0/1, bundled with broadband", Codes::range(0, 1)},
        {"status", T::Int8, "0 active, 1 churned in the period", Codes::dictionary("status")}},
       "",
       TimeUnit::None},
      {"billing",
       {id,
        {"month", T::Int32, "YYYYMM"},
        {"amount", T::Int64, "fen", {}, Sign::NonNegative},
        {"voice_min_used", T::Int32, "minutes", {}, Sign::NonNegative},
        {"data_mb_used", T::Int64, "MB", {}, Sign::NonNegative},
        {"balance", T::Int64, "fen, end of month"},
        {"paid_on_time", T::Int8, "0/1", Codes::range(0, 1)}},
       "month",
       TimeUnit::YearMonth},
      {"usage",
       {id,
        {"ts", T::Int64, "Unix seconds UTC"},
        {"kind", T::Int8, "0 voice, 1 sms, 2 data", Codes::dictionary("usage_kind")},
        {"duration_s", T::Int32, "seconds", {}, Sign::NonNegative},
        {"bytes", T::Int64, "bytes", {}, Sign::NonNegative},
        {"cell_id", T::Int32, "cell (reference cells)", Codes::reference_key("cells")},
        {"roaming", T::Int8, "0/1", Codes::range(0, 1)},
        {"peer", T::UInt64, "keyed hash of the other party, 0 none"},
        {"charge", T::Int64, "fen", {}, Sign::NonNegative}},
       "ts",
       TimeUnit::UnixSeconds},
      {"web",
       {id,
        {"ts", T::Int64, "Unix seconds UTC"},
        {"domain_id", T::Int32, "domain (reference domains)", Codes::reference_key("domains")},
        {"bytes", T::Int64, "bytes", {}, Sign::NonNegative}},
       "ts",
       TimeUnit::UnixSeconds},
      {"service",
       {id,
        {"ts", T::Int64, "Unix seconds UTC"},
        {"channel", T::Int8, "0 hotline, 1 app, 2 web, 3 store, 4 social",
         Codes::dictionary("service_channel")},
        {"category", T::Int8, "0 consult, 1 complaint, 2 fault, 3 suggestion, 4 IT demand",
         Codes::dictionary("service_category")},
        {"duration_s", T::Int32, "seconds", {}, Sign::NonNegative},
        {"satisfaction", T::Int8, "1-5, missing INT8_MIN", Codes::range(1, 5)},
        {"resolved", T::Int8, "0/1", Codes::range(0, 1)}},
       "ts",
       TimeUnit::UnixSeconds},
      {"marketing",
       {id,
        {"ts", T::Int64, "Unix seconds UTC"},
        {"campaign_id", T::Int32, "campaign code"},
        {"channel", T::Int8, "0 sms, 1 pop-up, 2 toolbar, 3 social, 4 store, 5 hotline",
         Codes::dictionary("marketing_channel")},
        {"outcome", T::Int8, "0 sent, 1 clicked, 2 accepted, 3 declined",
         Codes::dictionary("marketing_outcome")}},
       "ts",
       TimeUnit::UnixSeconds},
      {"identity",
       {id,
        {"source", T::Int8, "0 customers/BSS, 1 usage, 2 web/app, 3 service, 4 marketing",
         Codes::dictionary("identity_source")},
        {"id_type", T::Int8, "0 phone, 1 id_card, 2 device, 3 email, 4 account",
         Codes::dictionary("id_type")},
        {"id_hash", T::UInt64, "keyed hash of the identifier, 0 missing"},
        {"ts", T::Int64, "Unix seconds UTC"}},
       "ts",
       TimeUnit::UnixSeconds},
  };
}

Dictionary dictionary(std::string name, std::vector<std::string> labels, std::int32_t first = 0) {
  Dictionary d{std::move(name), {}};
  for (std::size_t i = 0; i < labels.size(); ++i) {
    d.entries.emplace_back(first + static_cast<std::int32_t>(i), std::move(labels[i]));
  }
  return d;
}

}  // namespace

const ColumnSpec* ChannelSchema::find(std::string_view column) const {
  for (const auto& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

TimeSpan month_span(TimeUnit unit, const Period& month) {
  switch (unit) {
    case TimeUnit::UnixSeconds:
      return {month.start(), month.end()};
    case TimeUnit::YearMonth:
      return {month.yyyymm(), month.yyyymm() + 1};
    case TimeUnit::None:
      break;
  }
  throw std::logic_error("month_span of a channel without a time column");
}

const std::vector<ChannelSchema>& channel_schemas() {
  static const std::vector<ChannelSchema> schemas = build_schemas();
  return schemas;
}

std::vector<std::string> channel_names() {
  std::vector<std::string> names;
  for (const auto& s : channel_schemas()) names.push_back(s.name);
  return names;
}

const ChannelSchema& channel_schema(std::string_view channel) {
  for (const auto& s : channel_schemas()) {
    if (s.name == channel) return s;
  }
  throw Error("unknown channel '" + std::string(channel) + "'", {}, name_hint(channel, channel_names()));
}

Table make_channel_table(std::string_view channel) {
  const ChannelSchema& schema = channel_schema(channel);
  Table table(schema.name);
  for (const auto& c : schema.columns) table.add(c.name, c.type);
  return table;
}

const std::vector<Dictionary>& standard_dictionaries() {
  static const std::vector<Dictionary> dictionaries = {
      dictionary("gender", {"male", "female"}, 1),
      dictionary("contract_type", {"none", "contract", "handset contract"}),
      dictionary("payer", {"self", "company"}),
      dictionary("handset_brand", {"Apple", "Samsung", "Huawei", "Xiaomi", "OPPO", "vivo", "other"}, 1),
      dictionary("status", {"active", "churned"}),
      dictionary("usage_kind", {"voice", "sms", "data"}),
      dictionary("service_channel", {"hotline", "app", "web", "store", "social"}),
      dictionary("service_category", {"consult", "complaint", "fault", "suggestion", "IT demand"}),
      dictionary("marketing_channel", {"sms", "pop-up", "toolbar", "social", "store", "hotline"}),
      dictionary("marketing_outcome", {"sent", "clicked", "accepted", "declined"}),
      dictionary("identity_source", {"customers", "usage", "web", "service", "marketing"}),
      dictionary("id_type", {"phone", "id_card", "device", "email", "account"}),
  };
  return dictionaries;
}

}  // namespace portrait::io
