#!/usr/bin/env python3
"""class_sim.py - a class-heavy simulation (agents on a grid).

    PYTHONMALLOC=malloc python3 class_sim.py [--scale F]

Plain classes without __slots__ (every instance has a __dict__), a small
class hierarchy with properties and overridden methods, an immutable Vec
class whose arithmetic makes a new object per operation, dataclass events,
and a spatial hash (dict of lists) rebuilt each step. Agents (grazers,
hunters, plants) move, eat, reproduce and die, so populations of objects
of a few sizes are born and freed continuously while the survivors live
for many steps; an event log keeps a bounded history.

Integer arithmetic only (positions in fixed point), so the result is the
same on 32- and 64-bit builds. Deterministic: random.Random(seed).
Prints `checksum`, `peak_rss_kib`, `rss_end_kib`.
"""

import random
from collections import deque
from dataclasses import dataclass

import common

WORLD = 1 << 16      # fixed-point world size
CELL = 1 << 11       # spatial hash cell


class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, o):
        return Vec((self.x + o.x) % WORLD, (self.y + o.y) % WORLD)

    def __sub__(self, o):
        return Vec(self.x - o.x, self.y - o.y)

    def scaled(self, num, den):
        return Vec(self.x * num // den, self.y * num // den)

    def norm1(self):
        return abs(self.x) + abs(self.y)

    def cell(self):
        return (self.x // CELL, self.y // CELL)


@dataclass
class Event:
    step: int
    kind: str
    who: int
    detail: tuple


class Entity:
    next_id = 0

    def __init__(self, pos, energy):
        Entity.next_id += 1
        self.id = Entity.next_id
        self.pos = pos
        self.energy = energy
        self.age = 0
        self.alive = True
        self.memory = []

    @property
    def hungry(self):
        return self.energy < 50

    def step(self, world, rng):
        self.age += 1
        self.energy -= self.cost()
        if self.energy <= 0 or self.age > self.lifespan():
            self.alive = False

    def cost(self):
        return 1

    def lifespan(self):
        return 200


class Plant(Entity):
    def cost(self):
        return -1  # grows

    def lifespan(self):
        return 400


class Animal(Entity):
    speed = 300

    def __init__(self, pos, energy, heading):
        super().__init__(pos, energy)
        self.heading = heading

    def step(self, world, rng):
        if rng.random() < 0.2:
            self.heading = Vec(rng.randint(-self.speed, self.speed), rng.randint(-self.speed, self.speed))
        self.pos = self.pos + self.heading
        super().step(world, rng)
        if self.alive:
            self.act(world, rng)

    def cost(self):
        return 1 + self.heading.norm1() // 256

    def nearby(self, world):
        cx, cy = self.pos.cell()
        out = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                out.extend(world.grid.get((cx + dx, cy + dy), ()))
        return out

    def act(self, world, rng):
        pass


class Grazer(Animal):
    speed = 200

    def act(self, world, rng):
        if self.hungry:
            for e in self.nearby(world):
                if isinstance(e, Plant) and e.alive:
                    e.alive = False
                    self.energy += e.energy // 2 + 10
                    world.log(self.id, "graze", (e.id,))
                    break
        if self.energy > 160:
            self.energy //= 2
            world.born.append(Grazer(self.pos + Vec(37, -41), self.energy, self.heading.scaled(-1, 1)))
        self.memory.append(self.pos.cell())
        if len(self.memory) > 8:
            self.memory = self.memory[-4:]


class Hunter(Animal):
    speed = 450

    def lifespan(self):
        return 300

    def act(self, world, rng):
        if self.hungry:
            best = None
            for e in self.nearby(world):
                if isinstance(e, Grazer) and e.alive:
                    d = (e.pos - self.pos).norm1()
                    if best is None or d < best[0] or (d == best[0] and e.id < best[1].id):
                        best = (d, e)
            if best is not None:
                prey = best[1]
                self.heading = (prey.pos - self.pos).scaled(1, 4)
                if best[0] < CELL:
                    prey.alive = False
                    self.energy += prey.energy
                    world.log(self.id, "hunt", (prey.id, best[0]))
        if self.energy > 260:
            self.energy //= 2
            world.born.append(Hunter(self.pos + Vec(-53, 29), self.energy, self.heading))


class World:
    def __init__(self, rng):
        self.rng = rng
        self.entities = []
        self.grid = {}
        self.born = []
        self.events = deque(maxlen=5000)
        self.counts = {}
        self.step_no = 0

    def log(self, who, kind, detail):
        self.events.append(Event(self.step_no, kind, who, detail))
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def rand_pos(self):
        return Vec(self.rng.randrange(WORLD), self.rng.randrange(WORLD))

    def populate(self, plants, grazers, hunters):
        r = self.rng
        for _ in range(plants):
            self.entities.append(Plant(self.rand_pos(), r.randint(20, 80)))
        for _ in range(grazers):
            self.entities.append(Grazer(self.rand_pos(), r.randint(60, 120), Vec(r.randint(-200, 200), r.randint(-200, 200))))
        for _ in range(hunters):
            self.entities.append(Hunter(self.rand_pos(), r.randint(100, 200), Vec(r.randint(-400, 400), r.randint(-400, 400))))

    def step(self):
        self.step_no += 1
        grid = {}
        for e in self.entities:
            grid.setdefault(e.pos.cell(), []).append(e)
        self.grid = grid
        for e in self.entities:
            if e.alive:
                e.step(self, self.rng)
        # new plants every step, a fixed number
        for _ in range(60):
            self.born.append(Plant(self.rand_pos(), self.rng.randint(20, 80)))
        dead = [e for e in self.entities if not e.alive]
        for e in dead:
            self.log(e.id, "die", (type(e).__name__, e.age))
        self.entities = [e for e in self.entities if e.alive] + self.born
        self.born = []
        # keep populations bounded: cull the oldest when too many
        if len(self.entities) > 6000:
            self.entities.sort(key=lambda e: (e.age, e.id))
            self.entities = self.entities[:5000]


def main():
    scale = common.parse_args("class-heavy agent simulation")
    steps = common.count(scale, 90)
    rng = random.Random(31337)
    Entity.next_id = 0
    world = World(rng)
    world.populate(2000, 1200, 150)
    ck = common.Checksum()
    for s in range(steps):
        world.step()
        if s % 10 == 0:
            pop = {}
            energy = 0
            for e in world.entities:
                pop[type(e).__name__] = pop.get(type(e).__name__, 0) + 1
                energy += e.energy
            ck.add(s, sorted(pop.items()), energy)
    ck.add(sorted(world.counts.items()), len(world.events), Entity.next_id)
    common.report(ck, steps=steps, entities=len(world.entities))


if __name__ == "__main__":
    main()
