// The persistent thread pool (engine/threading/thread_pool.h) and multi-threaded
// Model::predict. Anything that could hang runs under a deadline: a deadlock fails
// the test (and ends the process) instead of stalling the suite.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/threading/thread_pool.h"
#include "tests/test_support.h"
#include "xylem/xylem.h"

namespace xylem::testing {
namespace {

using threading::ThreadPool;
using namespace std::chrono_literals;

// Runs `body` on another thread and waits at most `limit`; past it the pool is
// presumed deadlocked, and the process ends (a hung thread cannot be joined).
template <typename Body>
void with_deadline(std::chrono::seconds limit, const char* what, Body&& body) {
  auto done = std::async(std::launch::async, std::forward<Body>(body));
  if (done.wait_for(limit) != std::future_status::ready) {
    std::cerr << "DEADLOCK? " << what << " did not finish within " << limit.count() << " s\n";
    std::fflush(stderr);
    std::_Exit(97);
  }
  done.get();  // rethrows what the body threw
}

// Counts how often each task index ran, and on which threads.
struct Runs {
  explicit Runs(size_t tasks) : count(tasks) {}
  std::vector<std::atomic<int>> count;
  std::mutex mutex;
  std::set<std::thread::id> threads;
  void record(size_t i) {
    count[i].fetch_add(1);
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(std::this_thread::get_id());
  }
};

TEST(ThreadPool, EveryTaskRunsExactlyOnce) {
  with_deadline(120s, "EveryTaskRunsExactlyOnce", [] {
    ThreadPool pool;
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    const std::vector<int> thread_counts = {1, 2, 3, 4, 8, static_cast<int>(hardware) + 3, 33};
    for (size_t tasks : {0, 1, 2, 3, 5, 7, 8, 31, 100, 1000}) {
      for (int threads : thread_counts) {
        Runs runs(tasks);
        pool.run(tasks, threads, [&](size_t i) { runs.record(i); });
        for (size_t i = 0; i < tasks; ++i)
          ASSERT_EQ(runs.count[i].load(), 1) << "task " << i << " of " << tasks << " with " << threads << " threads";
        EXPECT_LE(runs.threads.size(), static_cast<size_t>(threads));
        EXPECT_LE(runs.threads.size(), std::max<size_t>(tasks, 1));
      }
    }
    // The pool grew to what was asked (threads - 1 helpers), never beyond.
    EXPECT_LE(pool.workers(), 32u);
  });
}

TEST(ThreadPool, ZeroTasksAndNonPositiveThreads) {
  ThreadPool pool;
  int calls = 0;
  pool.run(0, 4, [&](size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(pool.workers(), 0u);  // nothing to help with: no thread started
  // threads <= 0 means the caller alone.
  std::vector<int> seen(10, 0);
  for (int threads : {0, -3}) {
    std::fill(seen.begin(), seen.end(), 0);
    pool.run(seen.size(), threads, [&](size_t i) { ++seen[i]; });
    for (int s : seen) EXPECT_EQ(s, 1);
  }
}

TEST(ThreadPool, OneThreadRunsEverythingOnTheCaller) {
  ThreadPool pool;
  Runs runs(50);
  pool.run(50, 1, [&](size_t i) { runs.record(i); });
  ASSERT_EQ(runs.threads.size(), 1u);
  EXPECT_EQ(*runs.threads.begin(), std::this_thread::get_id());
  EXPECT_EQ(pool.workers(), 0u);
}

TEST(ThreadPool, CallerWorksToo) {
  with_deadline(60s, "CallerWorksToo", [] {
    ThreadPool pool;
    const auto caller = std::this_thread::get_id();
    std::atomic<int> on_caller{0};
    // Slow tasks: the helpers cannot take them all before the caller starts.
    pool.run(40, 4, [&](size_t) {
      if (std::this_thread::get_id() == caller) on_caller.fetch_add(1);
      std::this_thread::sleep_for(1ms);
    });
    EXPECT_GT(on_caller.load(), 0);
  });
}

// With every worker busy on another job, a caller still finishes its own job alone.
TEST(ThreadPool, CallerFinishesAloneWhenEveryWorkerIsBusy) {
  with_deadline(60s, "CallerFinishesAloneWhenEveryWorkerIsBusy", [] {
    ThreadPool pool;
    std::atomic<int> started{0};
    std::atomic<bool> release{false};
    // Job A: two blocking tasks, one on its caller and one on the pool's only worker.
    std::thread a([&] {
      pool.run(2, 2, [&](size_t) {
        started.fetch_add(1);
        while (!release.load()) std::this_thread::sleep_for(1ms);
      });
    });
    while (started.load() < 2) std::this_thread::sleep_for(1ms);
    ASSERT_EQ(pool.workers(), 1u);
    // Job B asks for 2 threads (one helper): the worker is busy, so the caller runs all.
    Runs runs(20);
    pool.run(20, 2, [&](size_t i) { runs.record(i); });
    for (size_t i = 0; i < 20; ++i) EXPECT_EQ(runs.count[i].load(), 1);
    ASSERT_EQ(runs.threads.size(), 1u);
    EXPECT_EQ(*runs.threads.begin(), std::this_thread::get_id());
    release = true;
    a.join();
  });
}

TEST(ThreadPool, ConcurrentCallersOnTheSharedPool) {
  with_deadline(180s, "ConcurrentCallersOnTheSharedPool", [] {
    ThreadPool& pool = ThreadPool::shared();
    constexpr int kCallers = 6;
    std::vector<std::thread> callers;
    std::vector<int> failures(kCallers, 0);
    for (int c = 0; c < kCallers; ++c) {
      callers.emplace_back([&, c] {
        std::mt19937 rng(c + 1);
        for (int round = 0; round < 400; ++round) {
          const size_t tasks = rng() % 200;
          const int threads = 1 + static_cast<int>(rng() % 5);
          std::vector<uint64_t> out(tasks, 0);
          std::vector<std::atomic<int>> count(tasks);
          pool.run(tasks, threads, [&](size_t i) {
            count[i].fetch_add(1);
            out[i] = i * i + static_cast<uint64_t>(c);
          });
          for (size_t i = 0; i < tasks; ++i)
            if (count[i].load() != 1 || out[i] != i * i + static_cast<uint64_t>(c)) ++failures[c];
        }
      });
    }
    for (std::thread& t : callers) t.join();
    for (int c = 0; c < kCallers; ++c) EXPECT_EQ(failures[c], 0) << "caller " << c;
  });
}

TEST(ThreadPool, ExceptionIsRethrownAndThePoolKeepsWorking) {
  with_deadline(60s, "ExceptionIsRethrownAndThePoolKeepsWorking", [] {
    ThreadPool pool;
    for (int threads : {1, 2, 4}) {
      // One failing task.
      try {
        pool.run(100, threads, [](size_t i) {
          if (i == 37) throw std::runtime_error("task 37 failed");
        });
        ADD_FAILURE() << "no exception with " << threads << " threads";
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "task 37 failed");
      }
      // Every task failing: one of their exceptions comes out.
      EXPECT_THROW(pool.run(50, threads, [](size_t) { throw std::logic_error("all fail"); }), std::logic_error);
      // A non-standard exception type survives too.
      EXPECT_THROW(pool.run(10, threads, [](size_t i) { if (i == 9) throw 42; }), int);
      // The pool still runs every task of the next job.
      Runs runs(300);
      pool.run(300, threads, [&](size_t i) { runs.record(i); });
      for (size_t i = 0; i < 300; ++i) ASSERT_EQ(runs.count[i].load(), 1) << i;
    }
  });
}

TEST(ThreadPool, DestroyedPoolJoinsItsWorkers) {
  with_deadline(60s, "DestroyedPoolJoinsItsWorkers", [] {
    for (int k = 0; k < 20; ++k) {
      ThreadPool pool;
      std::atomic<int> n{0};
      pool.run(16, 4, [&](size_t) { n.fetch_add(1); });
      EXPECT_EQ(n.load(), 16);
    }
  });
}

// ---------------------------------------------------------------------------
// Multi-threaded predict equals single-threaded predict, bit for bit.

std::vector<double> random_rows(size_t n, size_t features, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> value(-3.0, 12.0);
  std::vector<double> rows(n * features);
  for (double& v : rows) v = (rng() % 20 == 0) ? std::nan("") : value(rng);
  return rows;
}

bool bit_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(ThreadPoolPredict, ThreadsOneToEightEqualOneThread) {
  with_deadline(300s, "ThreadsOneToEightEqualOneThread", [] {
    const std::string dir = models_dir();
    for (const char* file : {"/xgboost/3.2.0/multi_softprob/model.json", "/lightgbm/4.7.0/categorical_binary/model.txt"}) {
      for (const char* engine : {"auto", "tree_nodes", "reference"}) {
        LoadOptions options;
        options.engine = engine;
        const Model model = Model::load(dir + file, options);
        const size_t n = std::string(engine) == "reference" ? 1009 : 6007;  // not a multiple of any block
        const std::vector<double> rows = random_rows(n, model.num_features(), 7);
        const std::vector<float> rows32(rows.begin(), rows.end());
        for (bool margin : {false, true}) {
          PredictOptions one;
          one.margin = margin;
          std::vector<double> base(n * model.output_width(margin)), base32(base.size());
          model.predict(rows.data(), n, base.data(), one);
          model.predict(rows32.data(), n, base32.data(), one);
          for (int threads = 2; threads <= 8; ++threads) {
            PredictOptions many = one;
            many.threads = threads;
            std::vector<double> out(base.size(), -1.0), out32(base.size(), -1.0);
            model.predict(rows.data(), n, out.data(), many);
            model.predict(rows32.data(), n, out32.data(), many);
            EXPECT_TRUE(bit_equal(out, base)) << file << " " << model.engine() << " threads " << threads;
            EXPECT_TRUE(bit_equal(out32, base32)) << file << " " << model.engine() << " float rows, threads " << threads;
          }
        }
      }
    }
  });
}

TEST(ThreadPoolPredict, ManyCallersWithThreadsOnOneModel) {
  with_deadline(300s, "ManyCallersWithThreadsOnOneModel", [] {
    const Model model = Model::load(models_dir() + "/xgboost/3.2.0/binary_logistic/model.json");
    const size_t n = 5000;
    const std::vector<double> rows = random_rows(n, model.num_features(), 11);
    std::vector<double> base(n * model.output_width());
    model.predict(rows.data(), n, base.data());
    std::vector<std::thread> callers;
    std::vector<int> mismatches(4, 0);
    for (int c = 0; c < 4; ++c)
      callers.emplace_back([&, c] {
        for (int round = 0; round < 10; ++round) {
          PredictOptions options;
          options.threads = 1 + (c + round) % 4;
          std::vector<double> out(base.size());
          model.predict(rows.data(), n, out.data(), options);
          if (!bit_equal(out, base)) ++mismatches[c];
        }
      });
    for (std::thread& t : callers) t.join();
    for (int c = 0; c < 4; ++c) EXPECT_EQ(mismatches[c], 0) << "caller " << c;
  });
}

TEST(ThreadPoolPredict, ThreadsBelowOneIsAnError) {
  const Model model = Model::load(models_dir() + "/xgboost/3.2.0/binary_logistic/model.json");
  std::vector<double> rows(model.num_features(), 1.0), out(model.output_width());
  PredictOptions options;
  options.threads = 0;
  try {
    model.predict(rows.data(), 1, out.data(), options);
    FAIL() << "threads 0 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("threads must be at least 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace xylem::testing
