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
foreach(sub convert predict inspect)
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
