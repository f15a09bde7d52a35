package io.infometis.installer.verify;

import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produces this run's records, Avro in Schema Registry's wire format, each acknowledged by the broker. */
public final class KafkaProduceCheck implements DataPathCheck {

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("kafka", "schema-registry");
    }

    @Override
    public String name() {
        return "kafka-produce";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        int schemaId = SchemaRegistryCheck.schemaId(run);
        if (schemaId < 0) {
            throw new CheckFailed("Schema Registry does not know " + AvroWire.SUBJECT, "run the schema-registry check");
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, run.endpoints().kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "infometis-verify");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        long first = -1;
        long last = -1;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int seq = 0; seq < run.records(); seq++) {
                run.checkCancelled();
                RecordMetadata m = producer.send(new ProducerRecord<>(KafkaTopicCheck.TOPIC, run.runId() + "-" + seq,
                        AvroWire.encode(schemaId, run.runId(), seq))).get(40, TimeUnit.SECONDS);
                first = first < 0 ? m.offset() : first;
                last = m.offset();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new CheckFailed("producing to " + KafkaTopicCheck.TOPIC + ": " + e.getCause().getMessage(),
                    "check the Kafka broker's log");
        }
        return run.records() + " records acknowledged at offsets " + first + "–" + last;
    }
}
