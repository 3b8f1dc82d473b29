#include "engine/threading/thread_pool.h"

#include <algorithm>

namespace xylem::threading {

namespace {
constexpr size_t kMaxWorkers = 1023;
}

ThreadPool& ThreadPool::shared() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_available_.notify_all();
  for (std::thread& t : workers_) t.join();
}

size_t ThreadPool::workers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return workers_.size();
}

void ThreadPool::grow(size_t wanted) {
  wanted = std::min(wanted, kMaxWorkers);
  while (workers_.size() < wanted) workers_.emplace_back([this] { worker_loop(); });
}

size_t ThreadPool::work_on(Job& job) {
  size_t ran = 0;
  for (size_t i = job.next.fetch_add(1); i < job.tasks; i = job.next.fetch_add(1), ++ran) {
    try {
      (*job.task)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!job.error) job.error = std::current_exception();
    }
  }
  return ran;
}

void ThreadPool::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_available_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Job* job = queue_.front();
    if (--job->helpers_wanted == 0) queue_.pop_front();
    ++job->helpers_active;
    lock.unlock();
    const size_t ran = work_on(*job);
    lock.lock();
    job->done += ran;
    --job->helpers_active;
    job->finished.notify_all();
  }
}

void ThreadPool::run(size_t tasks, int threads, const std::function<void(size_t)>& task) {
  const size_t helpers = std::min<size_t>(tasks, static_cast<size_t>(std::max(threads, 1))) - (tasks > 0 ? 1 : 0);
  Job job;
  job.task = &task;
  job.tasks = tasks;
  job.helpers_wanted = static_cast<int>(helpers);
  if (helpers > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    grow(std::max(workers_.size(), helpers));
    queue_.push_back(&job);
  }
  if (helpers > 0) work_available_.notify_all();
  const size_t ran = work_on(job);
  std::unique_lock<std::mutex> lock(mutex_);
  job.done += ran;
  // No worker may join once the caller is done with the job.
  auto queued = std::find(queue_.begin(), queue_.end(), &job);
  if (queued != queue_.end()) queue_.erase(queued);
  job.finished.wait(lock, [&] { return job.done == job.tasks && job.helpers_active == 0; });
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace xylem::threading
