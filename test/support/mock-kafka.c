/*
 * mock-kafka: a Kafka-protocol broker for tests and benchmarks, built on
 * librdkafka's mock cluster (rdkafka_mock.h). It starts in milliseconds
 * without a JVM, speaks the real wire protocol over TCP and lets a test
 * inject faults; the real-Kafka suites (test/kafka-real/) cover the rest.
 *
 *   mock-kafka [--brokers N] [--topic NAME:PARTITIONS]...
 *
 * Prints one line "BOOTSTRAP host:port,..." once the cluster listens, then
 * reads commands from stdin, one per line, answering "OK" or "ERR <reason>":
 *   down <broker-id>             broker stops answering (connections closed)
 *   up <broker-id>               broker answers again
 *   rtt <broker-id> <ms>         add round-trip delay to a broker
 *   errors <api-key> <code> <n>  next n requests of api-key fail with code
 *   delay <broker-id> <api-key> <ms> <n>   next n requests of api-key to a
 *                                broker are answered (normally) ms late; unlike
 *                                rtt, other requests (metadata) stay fast
 *   topic <name> <partitions>    create a topic
 *   leader <topic> <partition> <broker-id>   move a partition's leadership
 * Exits when stdin closes (so it never outlives the test that started it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rdkafka.h"
#include "rdkafka_mock.h"

static int replication_factor = 1;

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec) {
        char name[256];
        int partitions = 4;
        const char *colon = strchr(spec, ':');
        size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
        if (len == 0 || len >= sizeof(name)) return -1;
        memcpy(name, spec, len);
        name[len] = '\0';
        if (colon) partitions = atoi(colon + 1);
        if (partitions <= 0) return -1;
        return rd_kafka_mock_topic_create(mc, name, partitions,
                                          replication_factor) ==
                       RD_KAFKA_RESP_ERR_NO_ERROR
                   ? 0
                   : -1;
}

static const char *run_command(rd_kafka_mock_cluster_t *mc, char *line) {
        char verb[32], name[256];
        long a = 0, b = 0, c = 0, d = 0;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;

        if (sscanf(line, "%31s", verb) != 1) return "empty command";
        if (!strcmp(verb, "down") && sscanf(line, "%*s %ld", &a) == 1)
                err = rd_kafka_mock_broker_set_down(mc, (int32_t)a);
        else if (!strcmp(verb, "up") && sscanf(line, "%*s %ld", &a) == 1)
                err = rd_kafka_mock_broker_set_up(mc, (int32_t)a);
        else if (!strcmp(verb, "rtt") &&
                 sscanf(line, "%*s %ld %ld", &a, &b) == 2)
                err = rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b);
        else if (!strcmp(verb, "errors") &&
                 sscanf(line, "%*s %ld %ld %ld", &a, &b, &c) == 3) {
                rd_kafka_resp_err_t *codes;
                long i;
                if (c <= 0 || c > 100000) return "count out of range";
                codes = calloc((size_t)c, sizeof(*codes));
                if (!codes) return "out of memory";
                for (i = 0; i < c; i++) codes[i] = (rd_kafka_resp_err_t)b;
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)a,
                                                        (size_t)c, codes);
                free(codes);
        } else if (!strcmp(verb, "delay") &&
                   sscanf(line, "%*s %ld %ld %ld %ld", &a, &b, &c, &d) == 4) {
                long i;
                if (d <= 0 || d > 100000) return "count out of range";
                for (i = 0; i < d && !err; i++)
                        err = rd_kafka_mock_broker_push_request_error_rtts(
                            mc, (int32_t)a, (int16_t)b, 1,
                            RD_KAFKA_RESP_ERR_NO_ERROR, (int)c);
        } else if (!strcmp(verb, "topic") &&
                   sscanf(line, "%*s %255s %ld", name, &a) == 2) {
                char spec[300];
                snprintf(spec, sizeof(spec), "%s:%ld", name, a);
                if (create_topic(mc, spec)) return "topic not created";
        } else if (!strcmp(verb, "leader") &&
                   sscanf(line, "%*s %255s %ld %ld", name, &a, &b) == 3)
                err = rd_kafka_mock_partition_set_leader(mc, name, (int32_t)a,
                                                         (int32_t)b);
        else
                return "unknown command or wrong arguments";
        return err == RD_KAFKA_RESP_ERR_NO_ERROR ? NULL : rd_kafka_err2str(err);
}

int main(int argc, char **argv) {
        char errstr[512], line[1024];
        int brokers = 3, i;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;

        for (i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc)
                        brokers = atoi(argv[++i]);
        if (brokers <= 0) {
                fprintf(stderr, "mock-kafka: --brokers must be positive\n");
                return 2;
        }
        /* The handle only hosts the cluster's threads; it never connects. */
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-kafka: %s\n", errstr);
                return 1;
        }
        mc = rd_kafka_mock_cluster_new(rk, brokers);
        replication_factor = brokers < 3 ? brokers : 3;
        if (!mc) {
                fprintf(stderr, "mock-kafka: cluster not created\n");
                return 1;
        }
        for (i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--topic") && i + 1 < argc &&
                    create_topic(mc, argv[++i])) {
                        fprintf(stderr, "mock-kafka: bad topic %s\n", argv[i]);
                        return 2;
                }
        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);

        while (fgets(line, sizeof(line), stdin)) {
                const char *err = run_command(mc, line);
                if (err) printf("ERR %s\n", err);
                else printf("OK\n");
                fflush(stdout);
        }
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
