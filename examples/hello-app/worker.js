// A background service for releases with several services: no HTTP, it just works until told to stop.
// `readiness: { runningSeconds: N }` counts it ready once it has stayed up N seconds.
const version = process.env.SLIPWAY_RELEASE_VERSION || '0.0.0';
console.log(JSON.stringify({ msg: 'worker started', version, pid: process.pid }));
const timer = setInterval(() => console.log(JSON.stringify({ msg: 'worker tick', version })), 5000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  console.log(JSON.stringify({ msg: 'worker stopping', version }));
  process.exit(0);
});
