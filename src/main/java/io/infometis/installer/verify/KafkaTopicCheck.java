package io.infometis.installer.verify;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the verification topic (or finds it) and sees its partition led by a broker. */
public final class KafkaTopicCheck implements DataPathCheck {
    public static final String TOPIC = "infometis-verify";

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("kafka");
    }

    @Override
    public String name() {
        return "kafka-topic";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        try (Admin admin = Admin.create(adminConfig(run.endpoints().kafkaBootstrap()))) {
            boolean created = true;
            try {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new CheckFailed("creating topic " + TOPIC + ": " + e.getCause().getMessage(),
                            "check the Kafka broker's log");
                }
                created = false;
            }
            TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(TOPIC);
            if (d.partitions().isEmpty() || d.partitions().get(0).leader() == null) {
                throw new CheckFailed("topic " + TOPIC + " has no leader", "check the Kafka broker's log");
            }
            return "topic " + TOPIC + (created ? " created" : " present") + ", partition 0 led by broker "
                    + d.partitions().get(0).leader().id();
        }
    }

    static Properties adminConfig(String bootstrap) {
        Properties p = new Properties();
        p.putAll(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000",
                AdminClientConfig.CLIENT_ID_CONFIG, "infometis-verify"));
        return p;
    }
}
