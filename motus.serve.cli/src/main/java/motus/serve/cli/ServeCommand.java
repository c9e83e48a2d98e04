package motus.serve.cli;

import picocli.CommandLine.Command;

/** {@code motus serve}: start a server, or talk to one. */
@Command(name = "serve",
        description = "Start an agent server, or talk to one at <url>.",
        subcommands = {
            StartCommand.class,
            ChatCommand.class,
            ClientCommands.Health.class,
            ClientCommands.Card.class,
            ClientCommands.Create.class,
            ClientCommands.Sessions.class,
            ClientCommands.Get.class,
            ClientCommands.Delete.class,
            ClientCommands.Messages.class,
            ClientCommands.Resume.class,
            ClientCommands.Events.class,
            ClientCommands.Cancel.class,
            SendCommand.class,
        })
final class ServeCommand {
}
