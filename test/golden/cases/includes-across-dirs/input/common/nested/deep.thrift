namespace js app.deep

enum Level {
  LOW = 1,
  HIGH = 2
}

struct Leaf {
  1: string name
  2: binary payload
}
