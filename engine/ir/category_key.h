// The category key of an input value under an ensemble's CategoryRule: what
// categorical nodes look up in their sets. Shared by every predictor so that they
// agree on the edge cases (NaN, negatives, fractions, huge values).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/ir/model_ir.h"

namespace xylem::ir {

// The key of a non-NaN value, or nullopt when the value is not a valid category.
std::optional<uint32_t> category_key(const CategoryRule& rule, double value);

// CityHash64 v1.0 (Pike and Alakuijala, 2011) of up to 32 bytes, as CatBoost's
// CalcCatFeatureHash uses it (which keeps the low 32 bits).
uint64_t city_hash64_short(std::string_view bytes);

}  // namespace xylem::ir
