"""A local playground: the bot against an embedded fake messenger, chatted with in a terminal."""
