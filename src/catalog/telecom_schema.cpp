// src/catalog/telecom_schema.cpp: the telecom channels (customers, billing,
// usage, web, service, marketing, identity) and reference tables (cells,
// domains) with their column types. Times are Unix seconds UTC, money fen.
#include "catalog/telecom_schema.hpp"

namespace portrait::catalog {

const CatalogSchema& telecom_schema() {
  using T = ColumnType;
  static const CatalogSchema schema = [] {
    CatalogSchema s;
    s.channels.push_back({"customers",
                          {{"customer_id", T::Int64},
                           {"region", T::Int32},
                           {"gender", T::Int8},
                           {"birth_year", T::Int32},
                           {"join_date", T::Int64},
                           {"plan_id", T::Int32},
                           {"plan_fee", T::Int64},
                           {"voice_quota_min", T::Int32},
                           {"data_quota_mb", T::Int32},
                           {"contract_type", T::Int8},
                           {"contract_end", T::Int64},
                           {"payer", T::Int8},
                           {"star_level", T::Int8},
                           {"handset_brand", T::Int32},
                           {"premium_number", T::Int8},
                           {"converged", T::Int8},
                           {"status", T::Int8}},
                          "",
                          TimeKind::None});
    s.channels.push_back({"billing",
                          {{"customer_id", T::Int64},
                           {"month", T::Int32},
                           {"amount", T::Int64},
                           {"voice_min_used", T::Int32},
                           {"data_mb_used", T::Int64},
                           {"balance", T::Int64},
                           {"paid_on_time", T::Int8}},
                          "month",
                          TimeKind::YearMonth});
    s.channels.push_back({"usage",
                          {{"customer_id", T::Int64},
                           {"ts", T::Int64},
                           {"kind", T::Int8},
                           {"duration_s", T::Int32},
                           {"bytes", T::Int64},
                           {"cell_id", T::Int32},
                           {"roaming", T::Int8},
                           {"peer", T::UInt64},
                           {"charge", T::Int64}},
                          "ts",
                          TimeKind::UnixSeconds});
    s.channels.push_back(
        {"web",
         {{"customer_id", T::Int64}, {"ts", T::Int64}, {"domain_id", T::Int32}, {"bytes", T::Int64}},
         "ts",
         TimeKind::UnixSeconds});
    s.channels.push_back({"service",
                          {{"customer_id", T::Int64},
                           {"ts", T::Int64},
                           {"channel", T::Int8},
                           {"category", T::Int8},
                           {"duration_s", T::Int32},
                           {"satisfaction", T::Int8},
                           {"resolved", T::Int8}},
                          "ts",
                          TimeKind::UnixSeconds});
    s.channels.push_back({"marketing",
                          {{"customer_id", T::Int64},
                           {"ts", T::Int64},
                           {"campaign_id", T::Int32},
                           {"channel", T::Int8},
                           {"outcome", T::Int8}},
                          "ts",
                          TimeKind::UnixSeconds});
    s.channels.push_back({"identity",
                          {{"customer_id", T::Int64},
                           {"source", T::Int8},
                           {"id_type", T::Int8},
                           {"id_hash", T::UInt64},
                           {"ts", T::Int64}},
                          "ts",
                          TimeKind::UnixSeconds});
    s.references.push_back(
        {"cells",
         "cell_id",
         {{"cell_id", T::Int32}, {"lat", T::Float64}, {"lon", T::Float64}, {"store_id", T::Int32}}});
    s.references.push_back({"domains",
                            "domain_id",
                            {{"domain_id", T::Int32}, {"category1", T::Int32}, {"category2", T::Int32}}});
    return s;
  }();
  return schema;
}

}  // namespace portrait::catalog
