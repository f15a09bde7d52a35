package io.infometis.installer.verify;

/** A data-path check saw the platform misbehave: what it saw, and what the operator does next. */
public final class CheckFailed extends Exception {
    private final String next;

    public CheckFailed(String what, String next) {
        super(what);
        this.next = next;
    }

    public String next() {
        return next;
    }
}
