package io.infometis.installer.verify;

/**
 * One check of the platform's data path (issue 13: the seed's fourth test layer). It proves a behaviour, not a
 * pod's readiness: a topic takes records, a schema registers, ksqlDB reads them back, and so on.
 */
public interface DataPathCheck {

    /** Lower case, the unit's name in the journal, the API and the page. */
    String name();

    /** The stack components (manifest folder names without their number) this check exercises. */
    java.util.List<String> needs();

    /**
     * Runs the check; returns what it saw, in a few words, for the unit's detail.
     *
     * @throws CheckFailed with the reason and the next step when the platform does not do what it should
     */
    String run(VerifyRun run) throws Exception;
}
