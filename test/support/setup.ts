// bun test preload: a fixed environment so output does not depend on the machine running the tests.
// (Deadlines: npm test passes --timeout, because setDefaultTimeout() here would reach the first file only,
// and many tests build their fixtures with the real tools the first time they run on a fresh clone.)
process.env.TZ = "UTC";
process.env.NO_COLOR = "1";
