package io.infometis.installer.cli;

import picocli.CommandLine.Command;

/** {@code infometis iso ...}: the bootable installer ISO. */
@Command(name = "iso", mixinStandardHelpOptions = true, description = "Build the bootable installer ISO (docs/iso.md).",
        subcommands = { IsoBuildCommand.class })
public class IsoCommand {
}
