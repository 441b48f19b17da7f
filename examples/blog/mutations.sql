-- Mutation functions of the demo blog (after CREATE EXTENSION fraiseql: they return its types).
-- fraiseql calls each with the mutation's input as jsonb, keys in snake_case.
CREATE OR REPLACE FUNCTION fn_create_user(input jsonb) RETURNS fraiseql.mutation_response
LANGUAGE plpgsql AS $$
DECLARE new_id uuid := gen_random_uuid();
BEGIN
    IF coalesce(trim(input->>'name'), '') = '' THEN
        RETURN fraiseql.mutation_err('validation:name', 'name must not be empty',
                                     jsonb_build_array(jsonb_build_object('field', 'name', 'message', 'required')));
    END IF;
    IF EXISTS (SELECT 1 FROM tb_user WHERE identifier = input->>'identifier') THEN
        RETURN fraiseql.mutation_err('conflict:identifier', format('identifier %s is taken', input->>'identifier'));
    END IF;
    INSERT INTO tb_user (id, identifier, name, email, created_at)
    VALUES (coalesce((input->>'id')::uuid, new_id), input->>'identifier', input->>'name', input->>'email', now())
    RETURNING id INTO new_id;
    RETURN fraiseql.mutation_ok((SELECT data FROM v_user WHERE id = new_id), 'user created', 'created', 'User');
END $$;

-- A plain-jsonb mutation: the returned object is the result.
CREATE OR REPLACE FUNCTION fn_add_comment(input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE new_id uuid := gen_random_uuid();
BEGIN
    INSERT INTO tb_comment (id, fk_post, fk_user, body, created_at)
    SELECT new_id, p.pk_post, u.pk_user, input->>'body', now()
      FROM tb_post p, tb_user u WHERE p.id = (input->>'post_id')::uuid AND u.id = (input->>'author_id')::uuid;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('status', 'not_found:post_or_author', 'message', 'no such post or author');
    END IF;
    RETURN jsonb_build_object('status', 'created', 'id', new_id, 'body', input->>'body');
END $$;
