-- A small, deterministic data set (fixed UUIDs and times, so outputs are reproducible).
INSERT INTO tb_user (id, identifier, name, email, created_at) VALUES
  ('00000000-0000-0000-0000-00000000000a', 'ada',   'Ada Lovelace',   'ada@example.org',   '2024-01-01 10:00+00'),
  ('00000000-0000-0000-0000-00000000000b', 'linus', 'Linus Torvalds', NULL,                '2024-01-02 10:00+00'),
  ('00000000-0000-0000-0000-00000000000c', 'grace', 'Grace Hopper',   'grace@example.org', '2024-01-03 10:00+00');
INSERT INTO tb_post (id, fk_user, title, body, published, created_at) VALUES
  ('00000000-0000-0000-0000-000000000101', 1, 'Notes on the Analytical Engine', 'It weaves algebraic patterns.', true,  '2024-02-01 09:00+00'),
  ('00000000-0000-0000-0000-000000000102', 2, 'Just a hobby',                   'Won''t be big and professional.', true,  '2024-02-02 09:00+00'),
  ('00000000-0000-0000-0000-000000000103', 3, 'Draft: compilers',               'Nobody believed it could be done.', false, '2024-02-03 09:00+00');
INSERT INTO tb_comment (id, fk_post, fk_user, body, created_at) VALUES
  ('00000000-0000-0000-0000-000000000201', 1, 2, 'Fascinating.',          '2024-02-01 12:00+00'),
  ('00000000-0000-0000-0000-000000000202', 1, 3, 'Where is the bug?',     '2024-02-01 13:00+00'),
  ('00000000-0000-0000-0000-000000000203', 2, 1, 'It will be big.',       '2024-02-02 12:00+00');
