package io.infometis.installer.verify;

import java.util.List;

/** Reads this run's records back through a ksqlDB stream with a push query from the earliest offset. */
public final class KsqlStreamCheck implements DataPathCheck {

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("kafka", "schema-registry", "ksqldb");
    }

    @Override
    public String name() {
        return "ksqldb-stream";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        KsqlDb ksql = new KsqlDb(run);
        ksql.declareStream();
        List<Integer> seqs = ksql.seqs("SELECT RUN, SEQ FROM " + KsqlDb.STREAM + " WHERE RUN = '" + run.runId()
                + "' EMIT CHANGES LIMIT " + run.records() + ";", true);
        KsqlDb.expectAll(seqs, run.records(), "the push query");
        return "stream " + KsqlDb.STREAM + ": push query read " + seqs.size() + " records of run " + run.runId();
    }
}
