#pragma once
// A small persistent thread pool for data-parallel loops (matmul rows, attention heads).
// parallel_for(n, fn) calls fn(begin, end) on contiguous chunks from all threads and returns when done.
// A decode pass issues a few hundred short loops, so waking sleeping threads for each (a futex wake-up and a
// context switch, tens of microseconds) would cost as much as the work: workers spin for a short while (kSpin)
// on the job counter before they sleep, and the caller spins for the last chunk before it waits; notifications go
// out only to threads that really sleep.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hogwild {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads <= 0: hardware concurrency
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Splits [0, n) into at most size() chunks of at least `grain` items; the calling thread takes part.
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain = 1);

 private:
  void worker_loop(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_, done_cv_;
  // The job, written by the caller before it publishes the next generation (release) and read by the workers after
  // they see it (acquire).
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  int job_chunks_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};   // workers still running the current job
  std::atomic<int> sleeping_{0};  // workers blocked on start_cv_ (changed under mutex_)
  std::atomic<bool> stop_{false};
};

}  // namespace hogwild
