// The downloader (model/download.h) against a small HTTP/1.1 server on 127.0.0.1 that serves a 2 MiB fixture:
// a full transfer, a transfer cut off mid-way and resumed with a range request, a server that ignores ranges,
// a hash mismatch, 404, no server at all (offline), a cancelled transfer, an unpinned hash, a file already there.
// Also the catalog's entries (issue #20): pinned URLs, well-formed hashes, presets that exist.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/sha256.h"
#include "hogwild/preset_library.h"
#include "model/download.h"
#include "model/known_models.h"
#include "http_test_server.h"
#include "temp_dir.h"

namespace hogwild {
namespace {
namespace fs = std::filesystem;
using http_test::TestServer;

std::string fixture_body() {
  std::string s(2 << 20, '\0');
  std::mt19937 rng(7);
  for (auto& ch : s) ch = static_cast<char>(rng());
  return s;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct DownloadTest : ::testing::Test {
  std::string body = fixture_body();
  std::string sha = sha256_hex(body.data(), body.size());
  TestServer server{body};
  test::TempDir dir;
  DownloadRequest request(const std::string& path = "/model.gguf") {
    DownloadRequest r;
    r.url = server.url(path);
    r.dest = (dir.path() / "model.gguf").string();
    r.sha256 = sha;
    r.size = static_cast<int64_t>(body.size());
    r.stall_timeout_s = 5;
    return r;
  }
  fs::path dest() const { return dir.path() / "model.gguf"; }
  fs::path part() const { return dir.path() / "model.gguf.part"; }
};

TEST_F(DownloadTest, FullTransferIsVerifiedAndRenamed) {
  int64_t last_done = -1, last_total = -1;
  const DownloadResult r = download_file(request(), [&](int64_t d, int64_t t) {
    last_done = d;
    last_total = t;
  });
  EXPECT_EQ(read_file(dest()), body);
  EXPECT_EQ(r.sha256, sha);
  EXPECT_FALSE(r.resumed);
  EXPECT_FALSE(fs::exists(part()));
  EXPECT_EQ(last_done, static_cast<int64_t>(body.size()));
  EXPECT_EQ(last_total, static_cast<int64_t>(body.size()));
}

TEST_F(DownloadTest, InterruptedTransferResumesWithARangeRequest) {
  server.set_mode(TestServer::Mode::DropAfter, 700000);
  try {
    download_file(request());
    FAIL() << "a cut transfer must fail";
  } catch (const DownloadError& e) {
    EXPECT_EQ(e.kind(), DownloadError::Kind::Failed);
    EXPECT_NE(std::string(e.what()).find("resumed next time"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dest()));
  ASSERT_EQ(fs::file_size(part()), 700000u);
  server.set_mode(TestServer::Mode::Normal);
  const DownloadResult r = download_file(request());
  EXPECT_TRUE(r.resumed);
  EXPECT_EQ(server.ranges().back(), "700000");  // only the rest was asked for
  EXPECT_EQ(read_file(dest()), body);
  EXPECT_FALSE(fs::exists(part()));
}

TEST_F(DownloadTest, ServerWithoutRangesStartsOver) {
  { std::ofstream(part(), std::ios::binary) << body.substr(0, 1000); }
  server.set_mode(TestServer::Mode::NoRanges);
  const DownloadResult r = download_file(request());
  EXPECT_FALSE(r.resumed);
  EXPECT_EQ(read_file(dest()), body);
  const auto ranges = server.ranges();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], "1000");
  EXPECT_EQ(ranges[1], "");
}

TEST_F(DownloadTest, CompletePartLeftByAnInterruptedCheckIsFinished) {
  { std::ofstream(part(), std::ios::binary) << body; }
  const DownloadResult r = download_file(request());
  EXPECT_EQ(server.requests(), 0);
  EXPECT_EQ(read_file(dest()), body);
  EXPECT_TRUE(r.resumed);
  // Without a known size, the server says 416 (nothing left): also finished.
  fs::remove(dest());
  { std::ofstream(part(), std::ios::binary) << body; }
  DownloadRequest q = request();
  q.size = 0;
  download_file(q);
  EXPECT_EQ(server.ranges().back(), std::to_string(body.size()));
  EXPECT_EQ(read_file(dest()), body);
}

TEST_F(DownloadTest, HashMismatchDeletesTheDownload) {
  server.set_mode(TestServer::Mode::Corrupt);
  try {
    download_file(request());
    FAIL() << "a wrong hash must fail";
  } catch (const DownloadError& e) {
    EXPECT_EQ(e.kind(), DownloadError::Kind::HashMismatch);
    EXPECT_NE(std::string(e.what()).find("expected " + sha), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dest()));
  EXPECT_FALSE(fs::exists(part()));
}

TEST_F(DownloadTest, NotFoundSaysSo) {
  try {
    download_file(request("/missing.gguf"));
    FAIL();
  } catch (const DownloadError& e) {
    EXPECT_EQ(e.kind(), DownloadError::Kind::NotFound);
    EXPECT_NE(std::string(e.what()).find("HTTP 404"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dest()));
}

TEST_F(DownloadTest, NoServerIsOffline) {
  // A port nothing listens on: bind one, then close it.
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  DownloadRequest r = request();
  r.url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/model.gguf";
  try {
    download_file(r);
    FAIL();
  } catch (const DownloadError& e) {
    EXPECT_EQ(e.kind(), DownloadError::Kind::Offline);
    EXPECT_EQ(std::string(e.what()).rfind("no network", 0), 0u) << e.what();
  }
}

TEST_F(DownloadTest, CancelKeepsThePartForLater) {
  server.set_mode(TestServer::Mode::Slow);
  std::atomic<bool> cancel{false};
  try {
    download_file(request(), [&](int64_t done, int64_t) {
      if (done > 0) cancel.store(true);
    }, &cancel);
    FAIL();
  } catch (const DownloadError& e) {
    EXPECT_EQ(e.kind(), DownloadError::Kind::Cancelled);
  }
  EXPECT_FALSE(fs::exists(dest()));
  ASSERT_TRUE(fs::exists(part()));
  EXPECT_GT(fs::file_size(part()), 0u);
  EXPECT_LT(fs::file_size(part()), body.size());
  server.set_mode(TestServer::Mode::Normal);
  EXPECT_TRUE(download_file(request()).resumed);
  EXPECT_EQ(read_file(dest()), body);
}

TEST_F(DownloadTest, UnpinnedHashIsComputedAndReported) {
  DownloadRequest r = request();
  r.sha256.clear();
  r.size = 0;
  EXPECT_EQ(download_file(r).sha256, sha);
  // A file that is already there with the pinned hash is not downloaded again.
  const int before = server.requests();
  EXPECT_TRUE(download_file(request()).already_there);
  EXPECT_EQ(server.requests(), before);
}

TEST(KnownModels, EntriesArePinnedOrSayWhy) {
  const std::regex revision("^https://huggingface\\.co/[^/]+/[^/]+/resolve/([0-9a-f]{40}|main)/.+$");
  const std::regex hex64("^[0-9a-f]{64}$");
  std::vector<std::string> ids;
  for (const KnownModel& m : known_models()) {
    ids.push_back(m.id);
    EXPECT_FALSE(m.files.empty()) << m.id;
    EXPECT_NO_THROW(find_preset(m.preset)) << m.id;
    EXPECT_GT(m.ram_bytes, 0) << m.id;
    for (const KnownFile& f : m.files) {
      EXPECT_TRUE(std::regex_match(f.url, revision)) << f.url;
      EXPECT_TRUE(f.sha256.empty() || std::regex_match(f.sha256, hex64)) << f.name;
      // An unpinned revision needs a pinned hash: otherwise nothing fixes what is downloaded... except the
      // first download, which the app reports as such (Qwen3-0.6B).
      if (f.url.find("/resolve/main/") != std::string::npos && f.sha256.empty()) EXPECT_EQ(m.id, "qwen3-0.6b");
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"stories260k", "smollm2-135m-instruct", "qwen2.5-0.5b-instruct", "qwen3-0.6b",
                                           "deepseek-r1-distill-qwen-1.5b", "qwq-32b"}));
  EXPECT_TRUE(known_model("qwq-32b").gpu);
  EXPECT_TRUE(known_model("stories260k").pinned());
  EXPECT_THROW(known_model("gpt-5"), ConfigError);
}

TEST(KnownModels, Stories260KEntryMatchesTheSharedFixture) {
  const KnownModel& m = known_model("stories260k");
  const std::string dir = std::string(HOGWILD_MODELS_DIR) + "/stories260K";
  for (const KnownFile& f : m.files) {
    const std::string p = dir + "/" + f.name;
    ASSERT_TRUE(fs::exists(p)) << p;
    EXPECT_EQ(sha256_file(p), f.sha256) << f.name;
    EXPECT_EQ(static_cast<int64_t>(fs::file_size(p)), f.bytes) << f.name;
  }
  EXPECT_TRUE(known_model_present(m, dir));
}

}  // namespace
}  // namespace hogwild
