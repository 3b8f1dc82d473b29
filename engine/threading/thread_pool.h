// A persistent pool of worker threads shared by every model in the process, so a
// multi-threaded predict() starts no thread. The calling thread works too; several
// callers may run jobs at once and the workers help whichever job is queued first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace xylem::threading {

class ThreadPool {
 public:
  static ThreadPool& shared();

  // Runs task(i) for every i in [0, tasks) on up to `threads` threads, the caller's
  // included, and returns when all are done; rethrows the first exception of a task.
  void run(size_t tasks, int threads, const std::function<void(size_t)>& task);

  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t workers() const;

 private:
  struct Job {
    const std::function<void(size_t)>* task = nullptr;
    size_t tasks = 0;
    std::atomic<size_t> next{0};
    int helpers_wanted = 0;  // workers that may still join
    int helpers_active = 0;  // guarded by the pool mutex
    size_t done = 0;         // guarded by the pool mutex
    std::exception_ptr error;
    std::condition_variable finished;
  };

  void grow(size_t workers);
  void worker_loop();
  // Runs tasks of `job` until none is left; returns how many it ran.
  size_t work_on(Job& job);

  mutable std::mutex mutex_;
  std::condition_variable work_available_;
  std::deque<Job*> queue_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
};

}  // namespace xylem::threading
