package io.infometis.installer.verify;

import java.util.List;

/** Reads this run's records with a pull query (a bounded scan of the stream, ksqlDB ≥ 0.23). */
public final class KsqlPullCheck implements DataPathCheck {

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("kafka", "schema-registry", "ksqldb");
    }

    @Override
    public String name() {
        return "ksqldb-pull";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        KsqlDb ksql = new KsqlDb(run);
        List<Integer> seqs = ksql.seqs("SELECT RUN, SEQ FROM " + KsqlDb.STREAM + " WHERE RUN = '" + run.runId() + "';",
                false);
        KsqlDb.expectAll(seqs, run.records(), "the pull query");
        return "pull query read " + seqs.size() + " records of run " + run.runId();
    }
}
