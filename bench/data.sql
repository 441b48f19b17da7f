-- Benchmark data: 1,000 users, 10,000 posts, 50,000 comments in the demo blog's trinity schema.
-- Ids are deterministic so pgbench scripts can address a random post by number.
INSERT INTO tb_user (id, identifier, name, email, created_at)
SELECT ('00000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid, 'user' || i, 'User ' || i,
       'user' || i || '@example.org', '2024-01-01'::timestamptz + i * interval '1 minute'
  FROM generate_series(1, 1000) i;
INSERT INTO tb_post (id, fk_user, title, body, published, created_at)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, 1 + (i * 7) % 1000, 'Post ' || i,
       repeat('Lorem ipsum dolor sit amet. ', 8), i % 3 <> 0, '2024-01-01'::timestamptz + i * interval '1 hour'
  FROM generate_series(1, 10000) i;
INSERT INTO tb_comment (id, fk_post, fk_user, body, created_at)
SELECT ('00000000-0000-0000-0002-' || lpad(to_hex(i), 12, '0'))::uuid, 1 + (i % 10000), 1 + (i * 13) % 1000,
       'Comment ' || i, '2024-01-01'::timestamptz + i * interval '1 minute'
  FROM generate_series(1, 50000) i;
ANALYZE;
