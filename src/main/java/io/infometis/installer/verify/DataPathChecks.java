package io.infometis.installer.verify;

import java.util.List;

/** The verification, in the order data flows: topic, schema, records, ksqlDB, Flink, Elasticsearch, monitoring. */
public final class DataPathChecks {
    private DataPathChecks() {
    }

    public static List<DataPathCheck> standard() {
        return List.of(new KafkaTopicCheck(), new SchemaRegistryCheck(), new KafkaProduceCheck(),
                new KsqlStreamCheck(), new KsqlPullCheck(), new FlinkSlotsCheck(), new ElasticsearchCheck(),
                new PrometheusTargetsCheck(), new GrafanaCheck());
    }
}
