return Hookline.Hook.HookCommand.Run(args);
