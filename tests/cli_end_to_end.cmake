# The `xylem` command as a user runs it. Invoked by ctest with -DXYLEM=<binary>
# -DMODELS=<models dir> -DWORK=<scratch dir>.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(CASE ${MODELS}/xgboost/3.2.0/binary_logistic)

function(run)
  cmake_parse_arguments(R "FAIL" "EXPECT;STDIN;OUT" "" ${ARGN})
  set(extra)
  if(R_STDIN)
    list(APPEND extra INPUT_FILE ${R_STDIN})
  endif()
  execute_process(COMMAND ${XYLEM} ${R_UNPARSED_ARGUMENTS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err ${extra})
  if(R_FAIL AND rc EQUAL 0)
    message(FATAL_ERROR "expected failure: xylem ${R_UNPARSED_ARGUMENTS}\n${out}")
  elseif(NOT R_FAIL AND NOT rc EQUAL 0)
    message(FATAL_ERROR "xylem ${R_UNPARSED_ARGUMENTS} failed (${rc}):\n${err}")
  endif()
  if(R_EXPECT AND NOT "${out}${err}" MATCHES "${R_EXPECT}")
    message(FATAL_ERROR "xylem ${R_UNPARSED_ARGUMENTS}: output does not match '${R_EXPECT}':\n${out}${err}")
  endif()
  if(R_OUT)
    set(${R_OUT} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# --help and --version everywhere.
run(--version EXPECT "xylem [0-9]+\\.[0-9]+\\.[0-9]+")
foreach(sub convert predict inspect bench)
  run(${sub} --help EXPECT "Usage")
  run(${sub} --version EXPECT "xylem [0-9]")
endforeach()

# convert (format detected), then predict from the converted file and from the original.
run(convert ${CASE}/model.ubj -o ${WORK}/model.json EXPECT "converted xgboost 3.2.0 binary:logistic")
run(convert ${CASE}/model.json -o ${WORK}/model_from_json.json --from xgboost)
run(predict ${WORK}/model.json ${CASE}/input.csv -o ${WORK}/from_xylem.csv)
run(predict ${CASE}/model.ubj ${CASE}/input.csv -o ${WORK}/from_ubj.csv --threads 2)
file(READ ${WORK}/from_xylem.csv a)
file(READ ${WORK}/from_ubj.csv b)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "predictions from the converted model differ from the original")
endif()
string(REGEX MATCHALL "\n" lines "${a}")
list(LENGTH lines n)
if(NOT n EQUAL 244)
  message(FATAL_ERROR "expected a header and 243 rows, found ${n} lines")
endif()
if(NOT a MATCHES "^prediction\n0\\.[0-9]")
  message(FATAL_ERROR "unexpected output:\n${a}")
endif()

# Standard input for the model and for the rows; margins; timing summary.
run(predict - ${CASE}/input.csv STDIN ${CASE}/model.ubj --margin EXPECT "^margin\n")
run(predict ${WORK}/model.json - STDIN ${CASE}/input.csv --timing EXPECT "batch-1 latency p50")
run(predict ${CASE}/model.ubj ${CASE}/input.csv --timing -o ${WORK}/timed.csv EXPECT "engine [a-z_]+[a-z0-9_/]*. load [0-9]")
run(convert - -o - STDIN ${CASE}/model.json EXPECT "\"format\": \"xylem\"")

# multi:softprob gives one column per class, multi:softmax the class index.
run(predict ${MODELS}/xgboost/3.2.0/multi_softprob/model.ubj ${MODELS}/xgboost/3.2.0/multi_softprob/input.csv
    EXPECT "^class_0,class_1,class_2,class_3,class_4\n")
run(predict ${MODELS}/xgboost/3.2.0/multi_softmax/model.ubj ${MODELS}/xgboost/3.2.0/multi_softmax/input.csv
    OUT softmax EXPECT "^class\n[0-9]\n")

# Columns are matched by name when the model has feature names.
set(NAMED ${MODELS}/xgboost/3.2.0/feature_names_shuffled)
run(predict ${NAMED}/model.ubj ${NAMED}/input.csv -o ${WORK}/named.csv)

# inspect: table and JSON.
run(inspect ${CASE}/model.ubj EXPECT "binary_classification")
run(inspect ${NAMED}/model.json --json EXPECT "\"names\": \\[")
run(inspect ${CASE}/model.ubj EXPECT "\nengine +[a-z_]+[a-z0-9_/]*\nmemory +[0-9]+ bytes")
run(inspect ${CASE}/model.ubj --json OUT inspect_json)
string(JSON inspect_engine GET "${inspect_json}" engine)
string(JSON inspect_memory GET "${inspect_json}" memory_bytes)
if(inspect_engine STREQUAL "" OR NOT inspect_memory MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "inspect --json: engine '${inspect_engine}', memory_bytes '${inspect_memory}'")
endif()

# Errors are clear and name the place.
file(WRITE ${WORK}/bad.csv "f0,f1,f2,f3,f4,f5,f6,f7\n1,2,3,4,5,6,7,8\n1,2,3,oops,5,6,7,8\n")
run(predict ${CASE}/model.ubj ${WORK}/bad.csv FAIL EXPECT "bad.csv:3: column \"f3\": cannot read \"oops\"")
file(WRITE ${WORK}/short.csv "f0,f1,f2,f3,f4,f5,f6,f7\n1,2,3\n")
run(predict ${CASE}/model.ubj ${WORK}/short.csv FAIL EXPECT "short.csv:2: expected 8 fields, found 3")
file(WRITE ${WORK}/missing_column.csv "age,income\n1,2\n")
run(predict ${NAMED}/model.ubj ${WORK}/missing_column.csv FAIL EXPECT "no column named")
run(predict ${WORK}/does_not_exist.json ${CASE}/input.csv FAIL EXPECT "does_not_exist.json: cannot open")
file(WRITE ${WORK}/garbage.json "{\"learner\": {\"oops\": 1}}")
run(convert ${WORK}/garbage.json -o ${WORK}/x.json FAIL EXPECT "garbage.json: learner: missing required key")

# ---------------------------------------------------------------------------
# LightGBM and CatBoost: inspect, convert, predict from the original and from the
# converted file, compared with the library's own predictions.

# A decimal number as sign, 16-digit mantissa and power of ten (value = mant * 10^exp),
# truncated to 16 significant digits (enough for a 1e-12 relative comparison).
function(decimal_parts text out_sign out_mant out_exp)
  if(text MATCHES "^[-+]?\\.?([eE].*)?$" OR NOT text MATCHES "^([-+]?)([0-9]*)(\\.([0-9]*))?([eE]([-+]?[0-9]+))?$")
    message(FATAL_ERROR "not a number: '${text}'")
  endif()
  set(sign "${CMAKE_MATCH_1}")
  set(digits "${CMAKE_MATCH_2}${CMAKE_MATCH_4}")
  string(LENGTH "${CMAKE_MATCH_4}" frac_len)
  set(exp 0)
  if(NOT "${CMAKE_MATCH_6}" STREQUAL "")
    string(REGEX REPLACE "^\\+" "" exp "${CMAKE_MATCH_6}")
  endif()
  math(EXPR exp "${exp} - ${frac_len}")
  string(REGEX REPLACE "^0+" "" digits "${digits}")
  string(LENGTH "${digits}" n)
  if(n EQUAL 0)
    set(${out_sign} "0" PARENT_SCOPE)
    set(${out_mant} 0 PARENT_SCOPE)
    set(${out_exp} 0 PARENT_SCOPE)
    return()
  endif()
  if(n GREATER 16)
    string(SUBSTRING "${digits}" 0 16 digits)
    math(EXPR exp "${exp} + ${n} - 16")
  else()
    while(n LESS 16)
      string(APPEND digits "0")
      math(EXPR n "${n} + 1")
      math(EXPR exp "${exp} - 1")
    endwhile()
  endif()
  if(sign STREQUAL "-")
    set(${out_sign} "-" PARENT_SCOPE)
  else()
    set(${out_sign} "+" PARENT_SCOPE)
  endif()
  set(${out_mant} ${digits} PARENT_SCOPE)
  set(${out_exp} ${exp} PARENT_SCOPE)
endfunction()

# Sets `out` to TRUE when |a - b| <= 1e-12 * max(|a|, |b|) (identical text always passes).
function(numbers_close a b out)
  set(${out} TRUE PARENT_SCOPE)
  if(a STREQUAL b)
    return()
  endif()
  set(${out} FALSE PARENT_SCOPE)
  if(a MATCHES "[nN][aA][nN]|[iI][nN][fF]" OR b MATCHES "[nN][aA][nN]|[iI][nN][fF]")
    return()  # NaN and infinities only match themselves
  endif()
  decimal_parts("${a}" sa ma ea)
  decimal_parts("${b}" sb mb eb)
  if(sa STREQUAL "0" OR sb STREQUAL "0")
    if(sa STREQUAL sb)
      set(${out} TRUE PARENT_SCOPE)
    endif()
    return()
  endif()
  if(NOT sa STREQUAL sb)
    return()
  endif()
  # Bring both to the larger power of ten; mantissas then differ by at most 1 digit.
  if(ea LESS eb)
    math(EXPR shift "${eb} - ${ea}")
    set(big ${mb})
    set(small ${ma})
  else()
    math(EXPR shift "${ea} - ${eb}")
    set(big ${ma})
    set(small ${mb})
  endif()
  if(shift GREATER 1)
    return()
  elseif(shift EQUAL 1)
    math(EXPR small "${small} / 10")
  endif()
  math(EXPR diff "${big} - ${small}")
  if(diff LESS 0)
    math(EXPR diff "0 - ${diff}")
    set(larger ${small})
  else()
    set(larger ${big})
  endif()
  math(EXPR tolerance "${larger} / 1000000000000 + 1")
  if(NOT diff GREATER tolerance)
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

# Fails unless the two CSV files have the same header (or `actual` has the header
# HEADER) and row count and every value agrees within 1e-12 relative.
function(expect_csv_close actual expected)
  cmake_parse_arguments(C "" "HEADER" "" ${ARGN})
  file(STRINGS ${actual} a_lines)
  file(STRINGS ${expected} e_lines)
  list(LENGTH a_lines na)
  list(LENGTH e_lines ne)
  if(NOT na EQUAL ne)
    message(FATAL_ERROR "${actual}: ${na} lines, ${expected} has ${ne}")
  endif()
  list(GET a_lines 0 a_header)
  list(GET e_lines 0 e_header)
  if(C_HEADER)
    set(e_header "${C_HEADER}")
  endif()
  if(NOT a_header STREQUAL e_header)
    message(FATAL_ERROR "${actual}: header '${a_header}', expected '${e_header}' (${expected})")
  endif()
  math(EXPR last "${na} - 1")
  foreach(i RANGE 1 ${last})
    list(GET a_lines ${i} a_line)
    list(GET e_lines ${i} e_line)
    if(a_line STREQUAL e_line)
      continue()
    endif()
    string(REPLACE "," ";" a_values "${a_line}")
    string(REPLACE "," ";" e_values "${e_line}")
    list(LENGTH a_values a_n)
    list(LENGTH e_values e_n)
    if(NOT a_n EQUAL e_n)
      message(FATAL_ERROR "${actual} line ${i}: '${a_line}' vs '${e_line}' (${expected})")
    endif()
    math(EXPR k_last "${a_n} - 1")
    foreach(k RANGE 0 ${k_last})
      list(GET a_values ${k} av)
      list(GET e_values ${k} ev)
      numbers_close("${av}" "${ev}" close)
      if(NOT close)
        message(FATAL_ERROR "${actual} line ${i}, column ${k}: ${av}, expected ${ev} (${expected})")
      endif()
    endforeach()
  endforeach()
endfunction()

# The comparison itself must be able to fail.
foreach(pair "1.0|1" "0.1|1e-1" "-2.5e-3|-0.0025" "123456789012345678|1.2345678901234567e17" "0.0|-0"
             "1|1.0000000000001" "9.999999999999999|10" "nan|nan")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 x)
  list(GET pair 1 y)
  numbers_close("${x}" "${y}" close)
  if(NOT close)
    message(FATAL_ERROR "numbers_close: ${x} and ${y} should be close")
  endif()
endforeach()
foreach(pair "1|1.00000000001" "1|-1" "0|1e-300" "1|10" "0.5|0.05" "2.5e-3|2.5e-4" "nan|1" "1e5|1e6")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 x)
  list(GET pair 1 y)
  numbers_close("${x}" "${y}" close)
  if(close)
    message(FATAL_ERROR "numbers_close: ${x} and ${y} should differ")
  endif()
endforeach()

# LightGBM text model with categorical splits (3 categorical features of 6).
set(LGB ${MODELS}/lightgbm/4.7.0/categorical_binary)
run(inspect ${LGB}/model.txt EXPECT "lightgbm v4 \\(text\\)")
run(inspect ${LGB}/model.txt EXPECT "features +6 \\(3 categorical\\)")
run(inspect ${LGB}/model.txt --json
    EXPECT "\"types\": \\[[^]]*\"categorical\"[^]]*\\]")
run(convert ${LGB}/model.txt -o ${WORK}/lgb.json EXPECT "converted lightgbm")
run(inspect ${WORK}/lgb.json EXPECT "features +6 \\(3 categorical\\)")
run(predict ${LGB}/model.txt ${LGB}/input.csv -o ${WORK}/lgb_original.csv)
run(predict ${WORK}/lgb.json ${LGB}/input.csv -o ${WORK}/lgb_converted.csv)
expect_csv_close(${WORK}/lgb_original.csv ${LGB}/predict.csv)
expect_csv_close(${WORK}/lgb_converted.csv ${LGB}/predict.csv)
run(predict ${LGB}/model.txt ${LGB}/input.csv --margin -o ${WORK}/lgb_margin.csv)
expect_csv_close(${WORK}/lgb_margin.csv ${LGB}/margin.csv HEADER margin)

# CatBoost JSON model with one-hot categorical splits (features 1 and 3 categorical).
set(CB ${MODELS}/catboost/1.2.10/onehot_symmetric_logloss)
run(inspect ${CB}/model.json EXPECT "catboost 1\\.2\\.10 \\(json\\)")
run(inspect ${CB}/model.json EXPECT "features +5 \\(2 categorical\\)")
run(inspect ${CB}/model.json --json
    EXPECT "\"types\": \\[[ \n]*\"numeric\",[ \n]*\"categorical\",[ \n]*\"numeric\",[ \n]*\"categorical\",[ \n]*\"numeric\"")
run(convert ${CB}/model.json -o ${WORK}/cb.json EXPECT "converted catboost")
run(predict ${CB}/model.json ${CB}/input.csv -o ${WORK}/cb_original.csv)
run(predict ${WORK}/cb.json ${CB}/input.csv -o ${WORK}/cb_converted.csv)
expect_csv_close(${WORK}/cb_original.csv ${CB}/predict.csv)
expect_csv_close(${WORK}/cb_converted.csv ${CB}/predict.csv)
run(predict ${WORK}/cb.json ${CB}/input.csv --margin -o ${WORK}/cb_margin.csv)
expect_csv_close(${WORK}/cb_margin.csv ${CB}/margin.csv HEADER margin)

# The wrong --from is refused, naming the file and what was expected.
run(predict ${CB}/model.json ${CB}/input.csv --from lightgbm FAIL
    EXPECT "model\\.json: not a LightGBM model")
run(convert ${CB}/model.json -o ${WORK}/never.json --from lightgbm FAIL EXPECT "not a LightGBM model")
if(EXISTS ${WORK}/never.json)
  message(FATAL_ERROR "a failed convert left ${WORK}/never.json behind")
endif()

# Early stopping: the model holds 36 iterations; the first 31 give predict_best.csv.
set(ES ${MODELS}/lightgbm/4.7.0/early_stopping)
if(EXISTS ${ES}/case.json)
  file(READ ${ES}/case.json es_case)
  string(JSON es_iterations GET "${es_case}" iterations num_iterations)
  string(JSON es_best GET "${es_case}" iterations predict)
  string(JSON es_total GET "${es_case}" num_iterations)
  run(predict ${ES}/model.txt ${ES}/input.csv --num-iterations ${es_iterations} -o ${WORK}/es_best.csv)
  expect_csv_close(${WORK}/es_best.csv ${ES}/${es_best})
  run(convert ${ES}/model.txt -o ${WORK}/es.json)
  run(predict ${WORK}/es.json ${ES}/input.csv --num-iterations ${es_iterations} -o ${WORK}/es_best_converted.csv)
  expect_csv_close(${WORK}/es_best_converted.csv ${ES}/${es_best})
  run(predict ${ES}/model.txt ${ES}/input.csv --num-iterations ${es_total} -o ${WORK}/es_all.csv)
  expect_csv_close(${WORK}/es_all.csv ${ES}/predict.csv)
  math(EXPR es_too_many "${es_total} + 1")
  run(predict ${ES}/model.txt ${ES}/input.csv --num-iterations ${es_too_many} FAIL
      EXPECT "num_iterations ${es_too_many} out of range: the model has ${es_total} iterations")
endif()

# pandas categories: input.csv holds the labels as text (with unknown, empty, "nan"
# and space-padded labels); the model's labels map them to categories.
set(PC ${MODELS}/lightgbm/4.7.0/pandas_categorical)
run(inspect ${PC}/model.txt EXPECT "category labels +city: oslo, amsterdam")
run(predict ${PC}/model.txt ${PC}/input.csv -o ${WORK}/pc.csv)
expect_csv_close(${WORK}/pc.csv ${PC}/predict.csv)
run(convert ${PC}/model.txt -o ${WORK}/pc.json)
run(predict ${WORK}/pc.json ${PC}/input.csv -o ${WORK}/pc_converted.csv)
expect_csv_close(${WORK}/pc_converted.csv ${PC}/predict.csv)
# An input without the label column says which column is missing.
file(WRITE ${WORK}/pc_no_city.csv "age,income,plan,zip_code,tenure,score\n30.0,49242.93,plan_18,333,26.0,0.727\n")
run(predict ${PC}/model.txt ${WORK}/pc_no_city.csv FAIL EXPECT "pc_no_city.csv:1: no column named \"city\"")

# ---------------------------------------------------------------------------
# Engine options on predict: the reference engine predicts what the default does;
# options outside the lists are refused.
run(predict ${CASE}/model.ubj ${CASE}/input.csv -o ${WORK}/engine_default.csv)
run(predict ${CASE}/model.ubj ${CASE}/input.csv --engine reference -o ${WORK}/engine_reference.csv)
file(READ ${WORK}/engine_default.csv engine_default)
file(READ ${WORK}/engine_reference.csv engine_reference)
if(NOT engine_reference STREQUAL engine_default)
  message(FATAL_ERROR "predict --engine reference differs from the default engine")
endif()
run(predict ${CASE}/model.ubj ${CASE}/input.csv --engine reference --isa portable -o ${WORK}/engine_portable.csv)
run(predict ${CASE}/model.ubj ${CASE}/input.csv --isa bogus FAIL EXPECT "--isa: bogus not in")
run(predict ${CASE}/model.ubj ${CASE}/input.csv --engine bogus FAIL EXPECT "--engine: bogus not in")
run(inspect ${CASE}/model.ubj --engine reference EXPECT "\nengine +reference")

# ---------------------------------------------------------------------------
# bench: latency and throughput per batch size, on the file's rows.
set(BENCH_FAST --seconds 0.05 --warmup 0.01)
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --batch-sizes 1,3,300 --threads 2 ${BENCH_FAST} --format json
    OUT bench_json)
if(NOT bench_json MATCHES "^{.*}\n$")
  message(FATAL_ERROR "bench --format json: not one JSON object:\n${bench_json}")
endif()
foreach(key model engine isa threads load_ms memory_bytes features rows_in_file xylem_version cpu results)
  string(JSON bench_type ERROR_VARIABLE bench_error TYPE "${bench_json}" ${key})
  if(bench_error)
    message(FATAL_ERROR "bench --format json: no key '${key}':\n${bench_json}")
  endif()
endforeach()
string(JSON bench_model GET "${bench_json}" model)
string(JSON bench_engine GET "${bench_json}" engine)
string(JSON bench_threads GET "${bench_json}" threads)
string(JSON bench_features GET "${bench_json}" features)
string(JSON bench_rows GET "${bench_json}" rows_in_file)
string(JSON bench_version GET "${bench_json}" xylem_version)
string(JSON bench_load GET "${bench_json}" load_ms)
string(JSON bench_memory GET "${bench_json}" memory_bytes)
if(NOT bench_model STREQUAL "${CASE}/model.ubj" OR bench_engine STREQUAL "" OR NOT bench_threads EQUAL 2
   OR NOT bench_features EQUAL 8 OR NOT bench_rows EQUAL 243 OR NOT bench_version MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$"
   OR bench_load LESS 0 OR NOT bench_memory GREATER 0)
  message(FATAL_ERROR "bench --format json: unexpected values:\n${bench_json}")
endif()
string(JSON bench_n LENGTH "${bench_json}" results)
if(NOT bench_n EQUAL 3)
  message(FATAL_ERROR "bench: ${bench_n} results for 3 batch sizes:\n${bench_json}")
endif()
set(bench_batches 1 3 300)
foreach(i RANGE 2)
  list(GET bench_batches ${i} expected_batch)
  foreach(key batch p50_us p90_us p99_us max_us rows_per_s)
    string(JSON ${key} GET "${bench_json}" results ${i} ${key})
  endforeach()
  if(NOT batch EQUAL expected_batch OR p50_us GREATER p90_us OR p90_us GREATER p99_us OR p99_us GREATER max_us
     OR NOT p50_us GREATER 0 OR NOT rows_per_s GREATER 0)
    message(FATAL_ERROR "bench: result ${i} (batch ${expected_batch}): batch ${batch}, p50 ${p50_us}, p90 ${p90_us}, "
                        "p99 ${p99_us}, max ${max_us}, rows/s ${rows_per_s}")
  endif()
endforeach()
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --batch-sizes 1,64 ${BENCH_FAST}
    EXPECT "load +[0-9.]+ ms\nmemory +[0-9]+ bytes.*batch +p50 us +p90 us +p99 us +max us +rows/s.*\n +64 +[0-9]")
# Any model the library reads, with category labels and engine options.
run(bench ${PC}/model.txt --data ${PC}/input.csv --batch-sizes 5 ${BENCH_FAST} --engine reference --margin --format json
    EXPECT "\"engine\": \"reference\"")
run(bench ${CB}/model.json --data ${CB}/input.csv --batch-sizes 2 ${BENCH_FAST} --from catboost --isa portable)
# Rows reach predict as float32 only where that changes nothing: an XGBoost model
# rounds its inputs to float32; LightGBM compares float64; a CatBoost model with
# one-hot categories needs the unrounded category values.
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --batch-sizes 2 ${BENCH_FAST} --format json EXPECT "\"input\": \"float32\"")
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --batch-sizes 2 ${BENCH_FAST} --input float64 --format json
    EXPECT "\"input\": \"float64\"")
run(bench ${PC}/model.txt --data ${PC}/input.csv --batch-sizes 2 ${BENCH_FAST} --format json EXPECT "\"input\": \"float64\"")
run(bench ${CB}/model.json --data ${CB}/input.csv --batch-sizes 2 ${BENCH_FAST} --from catboost EXPECT "as float64")
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --batch-sizes 2 ${BENCH_FAST} --input float16 FAIL EXPECT "--input")

# bench errors name what is wrong.
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --batch-sizes 1,abc ${BENCH_FAST} FAIL
    EXPECT "--batch-sizes: \"abc\" is not a positive integer")
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --batch-sizes 0 ${BENCH_FAST} FAIL
    EXPECT "--batch-sizes: \"0\" is not a positive integer")
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --batch-sizes 16, ${BENCH_FAST} FAIL
    EXPECT "--batch-sizes: \"\" is not a positive integer")
run(bench ${CASE}/model.ubj --data ${WORK}/does_not_exist.csv ${BENCH_FAST} FAIL EXPECT "does_not_exist.csv: cannot open")
file(WRITE ${WORK}/empty.csv "")
run(bench ${CASE}/model.ubj --data ${WORK}/empty.csv ${BENCH_FAST} FAIL EXPECT "empty.csv: no header row")
file(WRITE ${WORK}/header_only.csv "f0,f1,f2,f3,f4,f5,f6,f7\n")
run(bench ${CASE}/model.ubj --data ${WORK}/header_only.csv ${BENCH_FAST} FAIL EXPECT "header_only.csv: no rows to benchmark")
run(bench ${NAMED}/model.ubj --data ${WORK}/missing_column.csv ${BENCH_FAST} FAIL EXPECT "no column named")
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --threads 0 ${BENCH_FAST} FAIL EXPECT "--threads")
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --seconds 0 FAIL EXPECT "--seconds: must be a positive number")
run(bench ${CASE}/model.ubj --data ${CASE}/input.csv --isa bogus ${BENCH_FAST} FAIL EXPECT "--isa: bogus not in")
run(bench ${CASE}/model.ubj ${BENCH_FAST} FAIL EXPECT "--data is required")

# scikit-learn pipelines and networks: predict, inspect, int8 conversion with its
# accuracy report, and the int8 model through predict and bench.
set(SK ${MODELS}/sklearn/1.9.1)
run(predict ${SK}/pipeline_scaler_mlp_classifier/model.json ${SK}/pipeline_scaler_mlp_classifier/input.csv
    -o ${WORK}/mlp.csv)
expect_csv_close(${WORK}/mlp.csv ${SK}/pipeline_scaler_mlp_classifier/predict.csv HEADER "class_0,class_1,class_2")
run(inspect ${SK}/pipeline_scaler_mlp_classifier/model.json EXPECT "preprocessing +standard_scale \\(8 -> 8\\)")
run(inspect ${SK}/mlp_classifier_relu/model.json EXPECT "layer +[0-9]+ -> 32 relu")
run(inspect ${SK}/logistic_multinomial/model.json --json EXPECT "\"engine\": \"dense/")
run(convert ${SK}/mlp_classifier_relu/model.json -o ${WORK}/mlp_int8.json --quantize int8
    --calibration ${SK}/mlp_classifier_relu/input.csv
    EXPECT "int8: 3 dense layers.*dynamic input scales.*on [0-9]+ calibration rows.*max \\|error\\| [0-9.e+-]+, mean \\|error\\| [0-9.e+-]+, predicted class unchanged on [0-9.]+% of rows")
run(convert ${SK}/mlp_classifier_relu/model.json -o ${WORK}/mlp_int8_static.json --quantize int8 --int8-inputs static
    --calibration ${SK}/mlp_classifier_relu/input.csv EXPECT "static input scales")
run(convert ${SK}/mlp_classifier_relu/model.json -o ${WORK}/mlp_int8_nocal.json --quantize int8
    EXPECT "accuracy cost not measured")
run(inspect ${WORK}/mlp_int8.json EXPECT "int8 \\(dynamic input scale\\).*engine +dense/[a-z0-9_+]+/int8-")
run(predict ${WORK}/mlp_int8.json ${SK}/mlp_classifier_relu/input.csv -o ${WORK}/mlp_int8.csv)
run(bench ${WORK}/mlp_int8_static.json --data ${SK}/mlp_classifier_relu/input.csv --batch-sizes 1,300 ${BENCH_FAST}
    EXPECT "int8-")
run(convert ${SK}/mlp_classifier_relu/model.json -o ${WORK}/x.json --quantize int8 --int8-inputs static FAIL
    EXPECT "--int8-inputs static needs --calibration")
run(convert ${SK}/mlp_classifier_relu/model.json -o ${WORK}/x.json --calibration ${SK}/mlp_classifier_relu/input.csv FAIL
    EXPECT "go with --quantize int8")
run(convert ${CASE}/model.ubj -o ${WORK}/x.json --quantize int8 FAIL EXPECT "needs dense layers")
run(convert ${WORK}/mlp_int8.json -o ${WORK}/x.json --quantize int8 FAIL EXPECT "already quantized")
run(convert ${SK}/mlp_classifier_relu/model.json -o ${WORK}/x.json --quantize int4 FAIL EXPECT "--quantize")
run(predict ${SK}/mlp_classifier_relu/model.json ${SK}/mlp_classifier_relu/input.csv --engine tree_array FAIL
    EXPECT "the tree_array engine cannot run this model: it has a network")

# ONNX: predict the file directly, convert it to xylem JSON and predict that, inspect it,
# and refuse what xylem does not run, naming the operator and the node.
set(OX ${MODELS}/onnx/1.32.0)
foreach(c pipeline_scaler_gradient_boosting_classifier random_forest_regressor mlp_regressor lightgbm_categorical)
  run(predict ${OX}/${c}/model.onnx ${OX}/${c}/input.csv -o ${WORK}/onnx_${c}.csv)
  run(convert ${OX}/${c}/model.onnx -o ${WORK}/onnx_${c}.json EXPECT "converted onnx skl2onnx|converted onnx onnxmltools|converted onnx")
  run(predict ${WORK}/onnx_${c}.json ${OX}/${c}/input.csv -o ${WORK}/onnx_${c}_json.csv)
  expect_csv_close(${WORK}/onnx_${c}_json.csv ${WORK}/onnx_${c}.csv)
endforeach()
run(predict ${OX}/pipeline_scaler_gradient_boosting_classifier/model.onnx ${OX}/pipeline_scaler_gradient_boosting_classifier/input.csv
    --from onnx --engine reference -o ${WORK}/onnx_reference.csv)
expect_csv_close(${WORK}/onnx_reference.csv ${WORK}/onnx_pipeline_scaler_gradient_boosting_classifier.csv)
run(inspect ${OX}/pipeline_scaler_gradient_boosting_classifier/model.onnx
    EXPECT "source +onnx skl2onnx.*preprocessing +shift_scale \\(8 -> 8\\).*inputs float32, thresholds float32")
run(inspect ${OX}/lightgbm_categorical/model.onnx EXPECT "categorical splits.*engine +tree_nodes")
run(predict ${OX}/isolation_forest/model.onnx ${OX}/isolation_forest/input.csv FAIL
    EXPECT "node 0 'node_sample0_Gather' \\(Gather\\): operator Gather is not supported")
file(READ ${OX}/random_forest_regressor/model.onnx onnx_hex HEX)
string(SUBSTRING "${onnx_hex}" 0 400 onnx_hex)
file(WRITE ${WORK}/truncated.onnx "")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" onnx_escaped "${onnx_hex}")
execute_process(COMMAND printf "${onnx_escaped}" OUTPUT_FILE ${WORK}/truncated.onnx)
run(predict ${WORK}/truncated.onnx ${OX}/random_forest_regressor/input.csv FAIL EXPECT "truncated.onnx: not a valid ONNX file")
run(predict ${SK}/mlp_classifier_relu/model.json ${SK}/mlp_classifier_relu/input.csv --from onnx FAIL EXPECT "not a valid ONNX file")
