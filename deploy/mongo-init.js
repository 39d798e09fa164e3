// Run by compose's mongo-init service: make mongo1..3 the replica set rs0, once, and wait for a
// primary so that the API servers start on a set that accepts writes.
try {
  rs.status();
} catch (error) {
  rs.initiate({
    _id: "rs0",
    members: [
      { _id: 0, host: "mongo1:27017", priority: 2 },
      { _id: 1, host: "mongo2:27017" },
      { _id: 2, host: "mongo3:27017" },
    ],
  });
}
while (!db.hello().isWritablePrimary && !db.hello().primary) {
  sleep(500);
}
print("replica set rs0 ready, primary " + db.hello().primary);
