#include "core/check/file_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <filesystem>
#include <istream>
#include <iterator>
#include <optional>
#include <system_error>
#include <thread>

#include "core/check/decoder.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::check {
namespace {

namespace fs = std::filesystem;

bool is_manifest(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// One manifest to read: a file, or stdin's text read beforehand.
struct Input {
  std::string source;
  std::optional<std::string> text = {};
  // Filled by whichever thread decodes it.
  StagedObjects staged = {};
  size_t objects = 0;
  std::exception_ptr error = {};
};

void decode(Input& input, const std::string& default_namespace) {
  try {
    std::optional<util::FileText> file;
    if (!input.text) {
      file.emplace(util::FileText::open(input.source, "-f"));
    }
    Decoder decoder(input.staged, default_namespace);
    ObjectReader reader(decoder, input.source);
    yaml::parse_events(file ? file->view() : std::string_view(*input.text), input.source, reader);
    file.reset();
    input.text.reset();
    input.objects = reader.objects();
  } catch (...) {
    input.error = std::current_exception();
  }
}

// Decodes the inputs on up to kThreads threads (this one included), each
// taking the next input not yet taken. This thread also hands every decoded
// input to `take`, in the inputs' order, as soon as it and those before it
// are done, so that no more than the inputs in flight are held apart from
// the snapshot.
void decode_all(std::vector<Input>& inputs, const std::string& default_namespace,
                const std::function<void(Input&)>& take) {
  constexpr unsigned kThreads = 4;
  const size_t n = inputs.size();
  std::unique_ptr<std::atomic<bool>[]> done(new std::atomic<bool>[n]);
  for (size_t i = 0; i < n; ++i) {
    done[i] = false;
  }
  std::atomic<size_t> next{0};
  auto work = [&](const std::function<void()>& after_each) {
    for (size_t i = next++; i < n; i = next++) {
      decode(inputs[i], default_namespace);
      done[i].store(true, std::memory_order_release);
      after_each();
    }
  };
  size_t taken = 0;
  auto take_ready = [&] {
    while (taken < n && done[taken].load(std::memory_order_acquire)) {
      take(inputs[taken++]);
    }
  };
  const unsigned threads =
      std::min<unsigned>({kThreads, std::max(1U, std::thread::hardware_concurrency()), static_cast<unsigned>(n)});
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work, [] {});
    } catch (const std::system_error&) {
      break;  // no more threads: the ones there are do the rest
    }
  }
  std::exception_ptr failure;  // from `take`: the helpers are joined first
  try {
    work(take_ready);
  } catch (...) {
    next = n;
    failure = std::current_exception();
  }
  for (std::thread& h : helpers) {
    h.join();
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  take_ready();
}

}  // namespace

std::vector<std::string> manifest_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    if (path == "-") {
      out.push_back(path);
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      throw Error(fmt::format("the path \"{}\" does not exist: check -f (a file, a directory or - for stdin)", path));
    }
    if (fs::is_directory(st)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file() && is_manifest(it->path())) {
          files.push_back(it->path());
        }
      }
      if (ec) {
        throw Error(fmt::format("cannot read directory {}: {}", path, ec.message()));
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) {
        out.push_back(f.string());
      }
      continue;
    }
    out.push_back(path);
  }
  return out;
}

size_t load_files(Snapshot& snapshot, const std::vector<std::string>& paths, std::istream& in,
                  const std::string& default_namespace) {
  std::vector<Input> inputs;
  for (const std::string& file : manifest_files(paths)) {
    if (file == "-") {
      inputs.push_back({"<stdin>", std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()}});
    } else {
      inputs.push_back({file});
    }
  }
  // Files are read and decoded in parallel; the snapshot takes their objects
  // in the order of the files, so that the result, a later file's object
  // replacing an earlier one's, and the error reported (the first file's in
  // that order) are those of reading them one after another.
  size_t objects = 0;
  std::exception_ptr error;
  decode_all(inputs, default_namespace, [&](Input& input) {
    if (error) {
      return;
    }
    error = input.error;
    snapshot.take(std::move(input.staged));
    objects += input.objects;
  });
  if (error) {
    std::rethrow_exception(error);
  }
  if (objects == 0) {
    throw Error(fmt::format("no Kubernetes objects found in {}: give -f files or directories with YAML or JSON manifests",
                            fmt::join(paths, ", ")));
  }
  return objects;
}

}  // namespace grpcmesh::check
