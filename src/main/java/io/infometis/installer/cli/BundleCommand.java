package io.infometis.installer.cli;

import picocli.CommandLine.Command;

/** {@code infometis bundle ...}: build, verify, inspect the air-gap bundle, and make a signing key. */
@Command(name = "bundle", mixinStandardHelpOptions = true,
        description = "Build, verify and inspect the air-gap bundle (docs/bundle-format.md).",
        subcommands = { BundleBuildCommand.class, BundleVerifyCommand.class, BundleInspectCommand.class,
                BundleKeygenCommand.class })
public class BundleCommand {
}
