# kassa's image: built on Debian 12 slim from Debian's packages (as scripts/setup does), then
# only the runtime libraries, the fonts the PDFs embed and the binary in the final stage.
#   docker build -t kassa .
# Runs as uid 10001 with a read-only root filesystem; writable: the documents folder
# (KASSA_DOCUMENTS_DIR) and /tmp, mounted by the Helm chart (helm/kassa).

FROM debian:bookworm-slim AS build
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      librdkafka-dev libpqxx-dev nlohmann-json3-dev prometheus-cpp-dev \
      libgtest-dev libgmock-dev libvalijson-dev libcli11-dev libcpp-httplib-dev libssl-dev \
      libhpdf-dev libxml2-dev libspdlog-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY db db
COPY schemas schemas
COPY workers workers
COPY tests tests
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build /build --target kassa -j"$(nproc)" \
 && strip --strip-debug /build/kassa

FROM debian:bookworm-slim
# The shared libraries kassa links (tests/helm checks this list against the binary).
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      librdkafka1 libpqxx-6.4 libpq5 libprometheus-cpp-core1.0 libcpp-httplib0.11 \
      libhpdf-2.3.0 libxml2 libssl3 libspdlog1.10 libfmt9 fonts-dejavu-core ca-certificates \
      tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin kassa
COPY --from=build /build/kassa /usr/local/bin/kassa
USER 10001:10001
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/kassa"]
CMD ["run"]
